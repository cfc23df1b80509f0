using System.Runtime.CompilerServices;

namespace Cnn.Generators.Tests.TestSupport;

/// <summary>
/// Compares text against a checked-in <c>Snapshots/NAME.verified.cs</c>. A mismatch writes
/// <c>NAME.received.cs</c> beside it and fails; setting CNN_ACCEPT_SNAPSHOTS=1 accepts the new text.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "CNN_ACCEPT_SNAPSHOTS";

    public static void Verify(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        string directory = Path.Combine(ProjectDirectory(callerFile), "Snapshots");
        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");

        string? expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            File.Delete(receivedPath);
            return;
        }
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, actual);
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        string detail = expected is null ? "no verified snapshot exists yet" : FirstDifference(expected, actual);
        Assert.Fail($"Snapshot '{name}' differs ({detail}). Compare {receivedPath} with {verifiedPath}; "
            + $"if the new output is right, rerun with {AcceptVariable}=1 to accept it.");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Min(e.Length, a.Length); i++)
        {
            if (e[i] != a[i]) return $"line {i + 1}: expected \"{e[i].Trim()}\" but got \"{a[i].Trim()}\"";
        }
        return $"expected {e.Length} lines but got {a.Length}";
    }

    /// <summary>The test project's folder in the source tree (not bin/), found from the calling file's path.</summary>
    public static string ProjectDirectory(string callerFile)
    {
        string? directory = Path.GetDirectoryName(callerFile);
        while (directory is not null && !File.Exists(Path.Combine(directory, "Cnn.Generators.Tests.csproj")))
        {
            directory = Path.GetDirectoryName(directory);
        }
        return directory ?? throw new InvalidOperationException($"Cannot find the test project above {callerFile}.");
    }

    /// <summary>The repository root, for reading the samples' network definitions.</summary>
    public static string RepositoryRoot([CallerFilePath] string callerFile = "")
        => Path.GetFullPath(Path.Combine(ProjectDirectory(callerFile), "..", ".."));
}

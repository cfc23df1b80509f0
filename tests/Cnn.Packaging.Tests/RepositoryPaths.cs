namespace Cnn.Packaging.Tests;

/// <summary>Where the repository and this build's configuration are.</summary>
internal static class RepositoryPaths
{
    /// <summary>The folder that holds Cnn.sln, found upward from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration this test assembly was built in, so packing reuses that build.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"Cnn.sln not found above {AppContext.BaseDirectory}");
    }
}

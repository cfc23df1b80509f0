using System.Diagnostics;
using System.Text;

namespace Cnn.Distributed.Tests;

/// <summary>
/// Starts <c>mpirun --allow-run-as-root --oversubscribe -np N dotnet Cnn.Distributed.Tests.dll worker ...</c>
/// on loopback and waits for it, within a hang guard that kills the whole process tree.
/// </summary>
internal static class MpiRun
{
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    /// <summary>mpirun's path, or null when Open MPI is not installed.</summary>
    public static string? Path { get; } = Find();

    public static string SkipReason => "mpirun (Open MPI) is not installed: run tests/prerequisites.sh, or apt-get install openmpi-bin.";

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed);

    public static Result Run(int ranks, params string[] workerArgs)
    {
        string mpirun = Path ?? throw new InvalidOperationException(SkipReason);
        var start = new ProcessStartInfo(mpirun)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "dotnet", typeof(MpiRun).Assembly.Location, Workers.Command, .. workerArgs])
            start.ArgumentList.Add(arg);
        // One thread per rank, on loopback; no terminal escapes in the captured output.
        start.Environment["TERM"] = "dumb";
        start.Environment["DOTNET_gcServer"] = "0";
        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(HangGuard))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"mpirun -np {ranks} {string.Join(' ', workerArgs)} hung for {HangGuard.TotalSeconds} s and was killed. Output:\n{output}");
        }
        process.WaitForExit();
        lock (output) return new Result(process.ExitCode, output.ToString(), clock.Elapsed);
    }

    private static string? Find()
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(folder, "mpirun");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A test that needs mpirun; skipped, with the reason, when Open MPI is not installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.Path is null) Skip = MpiRun.SkipReason;
    }
}

/// <summary>A theory that needs mpirun; skipped, with the reason, when Open MPI is not installed.</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute()
    {
        if (MpiRun.Path is null) Skip = MpiRun.SkipReason;
    }
}

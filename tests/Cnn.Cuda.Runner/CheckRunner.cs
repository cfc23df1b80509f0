using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Cnn.Cuda.Runner;

/// <summary>
/// Runs every test of the self-hosting test executable (cnn-cuda-tests, xunit v3) on this machine's
/// GPU: each test class in its own process, and the network parity check once per network, so that a
/// sticky kernel fault (CUDA_ERROR_ILLEGAL_ADDRESS, 700, or a launch failure, 719), which poisons the
/// context for the rest of its process, ends only the check that met it. One log per process; the
/// <c>JSON {...}</c> figures the tests print are collected.
/// </summary>
internal sealed partial class CheckRunner(RunnerOptions options, string testsPath, TextWriter console)
{
    private const string Namespace = "Cnn.Cuda.Tests.";
    private const string ParityClass = "NetworkParityTests";
    private const string ParityMethod = Namespace + ParityClass + ".ForwardAndGradients_MatchTheCpuReference";

    /// <summary>One check process: its name, its arguments for the test executable, and the networks it is limited to.</summary>
    internal sealed record CheckProcess(string Name, string[] Arguments, string? Networks = null);

    /// <summary>What one process reported.</summary>
    internal sealed record CheckResult(string Name, int Total, int Failed, int Skipped, int ExitCode, double Seconds, string Verdict, string Log);

    public JsonArray Figures { get; } = [];

    public JsonArray Results { get; } = [];

    /// <summary>Runs the selected checks; true when every process ran and nothing failed.</summary>
    public bool Run()
    {
        IReadOnlyList<CheckProcess> plan = Plan(List("classes"), List("tests"));
        string logs = Path.Combine(options.OutputFolder, "checks");
        Directory.CreateDirectory(logs);
        console.WriteLine();
        console.WriteLine($"GPU checks: {plan.Count} processes of {testsPath}, logs in {logs}");
        console.WriteLine($"{"check",-36} {"total",6} {"failed",7} {"skipped",8} {"seconds",8}  result");
        bool all = true;
        foreach (CheckProcess process in plan)
        {
            CheckResult result = Execute(process, Path.Combine(logs, process.Name + ".log"));
            all &= result.Verdict is "PASS" or "SKIPPED";
            console.WriteLine($"{result.Name,-36} {result.Total,6} {result.Failed,7} {result.Skipped,8} {result.Seconds,8:F1}  {result.Verdict}");
            Results.Add(new JsonObject
            {
                ["check"] = result.Name, ["total"] = result.Total, ["failed"] = result.Failed, ["skipped"] = result.Skipped,
                ["exit_code"] = result.ExitCode, ["seconds"] = Math.Round(result.Seconds, 1), ["verdict"] = result.Verdict, ["log"] = result.Log,
            });
        }
        return all;
    }

    /// <summary>
    /// The processes to run: every test class but the parity class in one each, the parity class's other
    /// tests in one, and its network check once per network; restricted to <see cref="RunnerOptions.Subset"/>.
    /// </summary>
    internal IReadOnlyList<CheckProcess> Plan(IReadOnlyList<string> classes, IReadOnlyList<string> tests)
    {
        var plan = new List<CheckProcess>();
        foreach (string type in classes.Where(line => line.StartsWith(Namespace, StringComparison.Ordinal)))
        {
            string name = type[Namespace.Length..];
            if (name == ParityClass)
            {
                if (options.Selects(name)) plan.Add(new CheckProcess(name, ["-class", type, "-method-", ParityMethod]));
                continue;
            }
            if (options.Selects(name)) plan.Add(new CheckProcess(name, ["-class", type]));
        }
        IReadOnlyList<string> networks = ParityNetworks(tests);
        foreach (string network in networks)
        {
            if (options.Selects(network) || options.Selects(ParityClass))
                plan.Add(new CheckProcess($"{ParityClass}-{FileSafe(network)}", ["-method", ParityMethod], network));
        }
        // A skipped theory lists no rows (no device): then the whole theory runs, and skips, in one process.
        if (networks.Count == 0 && options.Selects(ParityClass)) plan.Add(new CheckProcess($"{ParityClass}-all", ["-method", ParityMethod]));
        return plan;
    }

    /// <summary>The networks of the parity theory, read from the listed test names (<c>…(name: "ResNet18@32")</c>).</summary>
    internal static IReadOnlyList<string> ParityNetworks(IReadOnlyList<string> tests) =>
        tests.Select(line => ParityRow().Match(line)).Where(match => match.Success).Select(match => match.Groups[1].Value).Distinct().ToArray();

    [GeneratedRegex("""NetworkParityTests\.ForwardAndGradients_MatchTheCpuReference\(name: "([^"]+)"\)""")]
    private static partial Regex ParityRow();

    [GeneratedRegex(@"Total: (\d+), Errors: (\d+), Failed: (\d+), Skipped: (\d+)")]
    private static partial Regex Summary();

    private static string FileSafe(string name) => Regex.Replace(name, "[^A-Za-z0-9._-]", "_");

    private IReadOnlyList<string> List(string what)
    {
        var start = new ProcessStartInfo(testsPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-list", what, "-noColor", "-preEnumerateTheories" }) start.ArgumentList.Add(argument);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {testsPath}.");
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{testsPath} -list {what} exited with {process.ExitCode}: {errors}{output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private CheckResult Execute(CheckProcess check, string logPath)
    {
        var start = new ProcessStartInfo(testsPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in check.Arguments.Concat(["-noColor", "-showLiveOutput", "-parallel", "none", "-preEnumerateTheories"])) start.ArgumentList.Add(argument);
        if (check.Networks is not null) start.Environment["CNN_CUDA_NETWORKS"] = check.Networks;
        var clock = Stopwatch.StartNew();
        using var log = new StreamWriter(logPath);
        var gate = new object();
        string? summary = null;
        void Line(string? line)
        {
            if (line is null) return;
            lock (gate)
            {
                log.WriteLine(line);
                if (Summary().IsMatch(line)) summary = line;
                int json = line.IndexOf("JSON {", StringComparison.Ordinal);
                if (json >= 0 && TryParse(line[(json + 5)..]) is JsonObject figure) Figures.Add(figure);
            }
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {testsPath}.");
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool finished = process.WaitForExit(TimeSpan.FromSeconds(options.TimeoutSeconds));
        if (!finished) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;

        int total = 0, failed = 0, skipped = 0;
        if (summary is not null)
        {
            Match m = Summary().Match(summary);
            total = int.Parse(m.Groups[1].Value);
            failed = int.Parse(m.Groups[2].Value) + int.Parse(m.Groups[3].Value);
            skipped = int.Parse(m.Groups[4].Value);
        }
        string verdict = !finished ? $"FAIL: killed after {options.TimeoutSeconds} s"
            : summary is null ? $"FAIL: the process ended with exit code {process.ExitCode} before its summary (a crash; see the log)"
            : failed > 0 || process.ExitCode != 0 ? "FAIL"
            : total == 0 ? "FAIL: no test ran"
            : skipped == total ? "SKIPPED"
            : "PASS";
        return new CheckResult(check.Name, total, failed, skipped, finished ? process.ExitCode : -1, seconds, verdict, logPath);
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

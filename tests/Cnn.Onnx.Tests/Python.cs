using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Cnn.Onnx.Tests;

/// <summary>
/// Runs this folder's Python scripts with Debian's interpreter, which has python3-onnx and
/// python3-torch (tests/prerequisites.sh installs both).
/// </summary>
internal static class Python
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>onnx.checker.check_model(path, full_check=True), then what the model holds, as onnx reads it.</summary>
    public static CheckedModel Check(string onnxPath)
    {
        (int code, string output) = Run("onnx_check.py", onnxPath);
        if (code != 0) return new CheckedModel(false, output.Trim(), null);
        using JsonDocument json = JsonDocument.Parse(output);
        return new CheckedModel(true, "passed", json.RootElement.Clone());
    }

    public static (int Code, string Output) Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script(script));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output + error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{Interpreter} could not start ({e.Message}); run tests/prerequisites.sh.");
        }
    }

    private static string Script(string name, [CallerFilePath] string callerFile = "")
        => Path.Combine(Path.GetDirectoryName(callerFile)!, name);
}

/// <summary>What onnx_check.py said: whether the checker passed, its message, and the model's summary (null when it failed).</summary>
internal sealed record CheckedModel(bool Passed, string Message, JsonElement? Summary)
{
    public IReadOnlyList<string> Initializers => Summary!.Value.GetProperty("initializers").EnumerateArray().Select(e => e.GetString()!).ToArray();

    public IReadOnlyDictionary<string, string> Metadata => Summary!.Value.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}

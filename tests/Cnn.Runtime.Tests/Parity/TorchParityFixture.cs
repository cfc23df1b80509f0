using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Cnn.Runtime.Tests.Parity;

/// <summary>
/// Runs tests/parity/torch_parity.py once per test run (Debian's python3-torch 1.13, which .ci/run
/// installs) and hands its records to the tests. Without torch the tests fail and say how to get it.
/// </summary>
public sealed class TorchParityFixture : IDisposable
{
    public const string Python = "/usr/bin/python3";

    public TorchParityFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "cnn-parity-" + Environment.ProcessId);
        System.IO.Directory.CreateDirectory(Directory);
        (int code, string output) = Run("record", "--out", Directory);
        Failure = code == 0 ? null : $"torch_parity.py record failed ({code}); install PyTorch with 'apt-get install -y python3-torch python3-torchvision' (CI does).\n{output}";
    }

    public string Directory { get; }

    /// <summary>Why the records could not be made, or null.</summary>
    public string? Failure { get; }

    public string Weights(string net) => Path.Combine(Directory, net + ".weights.safetensors");

    public string Record(string net, string mode) => Path.Combine(Directory, $"{net}.{mode}.safetensors");

    public static string Script([CallerFilePath] string callerFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", "parity", "torch_parity.py"));

    public static (int Code, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script());
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
            return (-1, $"{Python} could not start: {e.Message}");
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

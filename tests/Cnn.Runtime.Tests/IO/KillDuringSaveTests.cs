using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.IO.Tests;

/// <summary>
/// A process saving a model over and over is SIGKILLed at seeded random moments: each time, the
/// file it was replacing still loads, and the next save removes the temporary the killed one left.
/// </summary>
public sealed class KillDuringSaveTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 24;
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void KilledSaves_LeaveTheFileLoadable_AndTheNextSaveRemovesTheirTemporaries()
    {
        if (OperatingSystem.IsWindows()) return; // Process.Kill is TerminateProcess there, not a signal; the file logic is the same
        var clock = Stopwatch.StartNew();
        string path = _files.PathOf("model.safetensors");
        using (var first = new SaveWorkerNet(1, seed: 1)) ModelFile.Save(first, path);
        var random = new Random(14);
        int interrupted = 0;

        for (int kill = 0; kill < Kills; kill++)
        {
            using Process worker = StartWorker(path);
            // Wait for a finished save, so the worker is in its loop, then kill it a random moment later.
            string? line = ReadLine(worker);
            if (line is null)
            {
                worker.Kill();
                Assert.Fail($"the worker did not start: {worker.StandardError.ReadToEnd()}");
            }
            Thread.Sleep(random.Next(0, 60));
            worker.Kill();
            Assert.True(worker.WaitForExit(HangGuard), "hang guard");

            using (var loaded = new SaveWorkerNet(1, seed: 99)) ModelFile.Load(loaded, path);
            if (Directory.GetFiles(_files.Directory, "*.tmp").Length > 0) interrupted++;

            using (var next = new SaveWorkerNet(1, seed: (ulong)kill)) ModelFile.Save(next, path);
            Assert.Equal([path], Directory.GetFiles(_files.Directory));
        }

        output.WriteLine($"kill during save: {Kills} SIGKILLs (seed 14), {interrupted} of them inside a save (a temporary left behind); " +
            $"the file loaded after every kill and no temporary survived the next save; {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(interrupted > 0, "no kill landed inside a save; the test proves nothing about temporaries");
    }

    private static Process StartWorker(string path)
    {
        string host = Environment.ProcessPath is string current && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SaveWorker).Assembly.Location);
        start.ArgumentList.Add(SaveWorker.Command);
        start.ArgumentList.Add(path);
        return Process.Start(start)!;
    }

    private static string? ReadLine(Process worker)
    {
        Task<string?> line = worker.StandardOutput.ReadLineAsync();
        return line.Wait(HangGuard) ? line.Result : null;
    }
}

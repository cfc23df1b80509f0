using Xunit;

namespace Cnn.IO.Tests;

/// <summary>Atomic writes under concurrency and after crashed writers: unique temporaries, and the stale ones cleaned up.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>A process id no live process can have: above Linux's largest pid_max (2^22).</summary>
    private const int DeadProcessId = 2_000_000_000;

    [Fact]
    public void ConcurrentSavesOfOnePath_AllSucceed_AndLeaveOneWholeFile()
    {
        string path = _files.PathOf("shared.bin");
        byte[][] contents = Enumerable.Range(0, 4).Select(t => Enumerable.Repeat((byte)(t + 1), 64 * 1024).ToArray()).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        using var start = new Barrier(contents.Length);
        Thread[] threads = contents.Select(bytes => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 10; i++)
            {
                try { AtomicFile.WriteAllBytes(path, bytes); }
                catch (Exception e) { failures.Add(e); }
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "hang guard");

        Assert.Empty(failures);
        byte[] final = File.ReadAllBytes(path);
        Assert.Contains(contents, c => c.AsSpan().SequenceEqual(final));
        Assert.Equal([path], Directory.GetFiles(_files.Directory));
    }

    [Fact]
    public void Save_DeletesTheTemporariesOfDeadWriters()
    {
        string path = _files.PathOf("model.bin");
        // The name an earlier version gave its temporary, left behind by a killed save.
        string orphan = $"{path}.{DeadProcessId}.tmp";
        File.WriteAllText(orphan, "half a file");

        AtomicFile.WriteAllText(path, "whole");

        Assert.False(File.Exists(orphan), "the dead writer's temporary is removed");
        Assert.Equal("whole", File.ReadAllText(path));
    }

    [Fact]
    public void Save_LeavesTheTemporariesOfLiveWritersAndOfOtherFiles()
    {
        string path = _files.PathOf("model.bin");
        string live = $"{path}.{Environment.ProcessId}.tmp"; // this process is alive, and the file is fresh
        string other = $"{_files.PathOf("other.bin")}.{DeadProcessId}.tmp"; // another target's: not ours to judge
        File.WriteAllText(live, "being written");
        File.WriteAllText(other, "not ours");

        AtomicFile.WriteAllText(path, "whole");

        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));
    }

    [Fact]
    public void Write_NeverWritesIntoAnExistingTemporary()
    {
        string path = _files.PathOf("model.bin");
        AtomicFile.WriteAllText(path, "old");
        string temporary = AtomicFile.TemporaryPath(path);
        File.WriteAllText(temporary, "someone else's");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream => stream.WriteByte((byte)'x'), temporary));

        Assert.Equal("someone else's", File.ReadAllText(temporary));
        Assert.Equal("old", File.ReadAllText(path));
    }

    [Fact]
    public void TemporaryNames_AreUniquePerWrite_AndNameTheProcess()
    {
        string path = _files.PathOf("model.bin");
        string first = AtomicFile.TemporaryPath(path), second = AtomicFile.TemporaryPath(path);

        Assert.NotEqual(first, second);
        Assert.Contains($"-{Environment.ProcessId}-", Path.GetFileName(first));
    }
}

using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class WorkerPoolTests
{
    private sealed class Recorder : IParallelWork
    {
        public readonly int[] Calls = new int[8];
        public readonly int[] Workers = new int[8];
        public readonly int[] Threads = new int[8];
        public int Throw = -1;

        public void Execute(int worker, int workers)
        {
            Interlocked.Increment(ref Calls[worker]);
            Workers[worker] = workers;
            Threads[worker] = Environment.CurrentManagedThreadId;
            if (worker == Throw) throw new InvalidOperationException($"worker {worker} failed");
        }
    }

    [Fact]
    public void Run_GivesEachWorkerIndexExactlyOneShare_AndTheCallerShareZero()
    {
        using var pool = new WorkerPool(3);
        var work = new Recorder();
        for (int i = 0; i < 50; i++) pool.Run(work, 3);
        Assert.Equal([50, 50, 50, 0, 0, 0, 0, 0], work.Calls);
        Assert.Equal([3, 3, 3], work.Workers[..3]);
        Assert.Equal(Environment.CurrentManagedThreadId, work.Threads[0]);
        Assert.NotEqual(work.Threads[0], work.Threads[1]);
    }

    [Fact]
    public void Run_WithOneWorker_StaysOnTheCallingThread()
    {
        using var pool = new WorkerPool(2);
        var work = new Recorder();
        pool.Run(work, 1);
        Assert.Equal([1, 0], work.Calls[..2]);
        Assert.Equal(1, work.Workers[0]);
        Assert.Equal(Environment.CurrentManagedThreadId, work.Threads[0]);
    }

    [Fact]
    public void Run_RethrowsAWorkersException_AndStaysUsable()
    {
        using var pool = new WorkerPool(2);
        var work = new Recorder { Throw = 1 };
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(work, 2));
        Assert.Equal("worker 1 failed", error.Message);
        work.Throw = -1;
        pool.Run(work, 2);
        Assert.Equal([2, 2], work.Calls[..2]);
    }

    [Theory]
    [InlineData(64, 2)]
    [InlineData(7, 2)]
    [InlineData(5, 3)]
    [InlineData(1, 2)]
    public void Share_SplitsIntoContiguousCoveringRanges(int count, int workers)
    {
        int next = 0;
        for (int w = 0; w < workers; w++)
        {
            (int start, int end) = WorkerPool.Share(count, w, workers);
            Assert.Equal(next, start);
            Assert.InRange(end - start, count / workers, count / workers + 1);
            next = end;
        }
        Assert.Equal(count, next);
    }
}

using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>One parallel job: worker <c>w</c> of <c>workers</c> does its fixed share.</summary>
internal interface IParallelWork
{
    void Execute(int worker, int workers);
}

/// <summary>
/// A persistent pool of dedicated threads that run one <see cref="IParallelWork"/> at a time, the
/// calling thread taking share 0. Dispatch allocates nothing: the work item is an object the
/// operator made at construction. Shares are fixed by worker index, so results depend only on the
/// thread count, never on timing.
/// </summary>
/// <remarks>
/// A network's step is a few dozen jobs of tens of microseconds each, with microseconds between
/// them, so waking a blocked thread for each (tens of microseconds on a virtual machine) would cost
/// as much as the work. As OpenMP runtimes do, a worker therefore spins for <see cref="SpinTime"/>
/// after a job, watching a generation counter, and blocks on its semaphore only when no job came;
/// the caller releases the semaphore only of workers that announced they sleep. The caller spins
/// too while it waits for the others to finish, so no wait of the calling thread ever blocks on an
/// event (whose lock object a first blocking wait would allocate in the middle of a training step).
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>How long an idle worker spins before it blocks.</summary>
    private static readonly long SpinTime = Stopwatch.Frequency / 10_000; // 0.1 ms

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly int[] _sleeping;
    private readonly object _dispatch = new();
    private IParallelWork? _work;
    private int _workers;
    private int _generation;
    private int _pending;
    private Exception? _error;
    private volatile bool _disposed;

    /// <param name="threads">Threads, the caller's included.</param>
    /// <param name="kernel">The GEMM kernel of the workspace (see <see cref="CpuWorkspace.Kernel"/>); null: <see cref="SgemmKernels.Best"/>.</param>
    public WorkerPool(int threads, GemmKernel? kernel = null)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads));
        Threads = threads;
        Workspace = new CpuWorkspace(threads, kernel ?? SgemmKernels.Best);
        _threads = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        _sleeping = new int[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"Cnn CPU worker {i + 1}" };
            _threads[i].Start(i);
        }
    }

    /// <summary>Threads available, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>The scratch memory of the operators this pool runs: one backend, one pool, one workspace.</summary>
    public CpuWorkspace Workspace { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on min(<paramref name="workers"/>, <see cref="Threads"/>) workers and
    /// returns when all are done. One worker runs inline, with no synchronisation at all.
    /// </summary>
    public void Run(IParallelWork work, int workers)
    {
        workers = Math.Clamp(workers, 1, Threads);
        if (workers == 1)
        {
            work.Execute(0, 1);
            return;
        }

        lock (_dispatch)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _work = work;
            _workers = workers;
            _error = null;
            Volatile.Write(ref _pending, workers - 1);
            Interlocked.Increment(ref _generation); // publishes the fields above
            for (int i = 0; i < workers - 1; i++)
                if (Volatile.Read(ref _sleeping[i]) != 0) _start[i].Release();
            try
            {
                work.Execute(0, workers);
            }
            finally
            {
                var spinner = new SpinWait();
                while (Volatile.Read(ref _pending) != 0) spinner.SpinOnce(sleep1Threshold: -1);
                _work = null;
            }
            if (_error is { } error) ExceptionDispatchInfo.Throw(error);
        }
    }

    private void Loop(object? state)
    {
        int index = (int)state!, seen = 0;
        while (true)
        {
            int generation = WaitForJob(index, seen);
            if (_disposed) return;
            seen = generation;
            if (index + 1 >= _workers) continue; // not needed this time
            try
            {
                _work!.Execute(index + 1, _workers);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Spins, then blocks, until the generation moves past <paramref name="seen"/>; returns the new one.</summary>
    private int WaitForJob(int index, int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTime;
        int generation;
        while ((generation = Volatile.Read(ref _generation)) == seen)
        {
            if (_disposed) return generation;
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(20);
                continue;
            }

            // Announce the sleep, then look once more: a job posted before the announcement was seen
            // by nobody's release, so it must be caught here. A release that finds the worker awake
            // leaves a count behind, which only makes a later wait return early and look again.
            Interlocked.Exchange(ref _sleeping[index], 1);
            if (Volatile.Read(ref _generation) == seen && !_disposed) _start[index].Wait();
            Interlocked.Exchange(ref _sleeping[index], 0);
            deadline = Stopwatch.GetTimestamp() + SpinTime;
        }
        return generation;
    }

    public void Dispose()
    {
        lock (_dispatch)
        {
            if (_disposed) return;
            _disposed = true;
            Interlocked.Increment(ref _generation);
            foreach (SemaphoreSlim start in _start) start.Release();
        }
        foreach (Thread thread in _threads) thread.Join();
        foreach (SemaphoreSlim start in _start) start.Dispose();
    }

    /// <summary>
    /// Below this many floats an elementwise pass (an activation, a pool, a batch norm, a sum) stays on
    /// the calling thread: waking the workers costs more than the pass.
    /// </summary>
    public const long ParallelElements = 1 << 15;

    /// <summary>
    /// The half-open range [start, end) of <paramref name="count"/> floats that <paramref name="worker"/>
    /// owns in an elementwise pass: contiguous shares of whole 16-float blocks (the last one clipped),
    /// so that every share but the last starts and ends on a 512-bit vector.
    /// </summary>
    public static (long Start, long End) ShareBlocks(long count, int worker, int workers)
    {
        long blocks = (count + 15) / 16;
        return (blocks * worker / workers * 16, Math.Min(count, blocks * (worker + 1) / workers * 16));
    }

    /// <summary>The half-open range [start, end) of <paramref name="count"/> items that <paramref name="worker"/> owns: contiguous, near-equal shares.</summary>
    public static (int Start, int End) Share(int count, int worker, int workers) =>
        ((int)((long)count * worker / workers), (int)((long)count * (worker + 1) / workers));
}

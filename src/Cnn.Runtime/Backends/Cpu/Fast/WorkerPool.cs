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
/// operator made at construction, and the threads wait on reusable events. Shares are fixed by
/// worker index, so results depend only on the thread count, never on timing.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false, spinCount: 200);
    private readonly object _dispatch = new();
    private IParallelWork? _work;
    private int _workers;
    private int _pending;
    private Exception? _error;
    private volatile bool _disposed;

    public WorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads));
        Threads = threads;
        _threads = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"Cnn CPU worker {i + 1}" };
            _threads[i].Start(i);
        }
        // ManualResetEventSlim creates its lock object (24 bytes) the first time a wait has to block,
        // which under load may be a training step long after warm-up. A wait that times out here
        // creates it now, so that no step ever allocates.
        _done.Wait(1);
    }

    /// <summary>Threads available, the caller's included.</summary>
    public int Threads { get; }

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
            _pending = workers - 1;
            _done.Reset();
            for (int i = 0; i < workers - 1; i++) _start[i].Release();
            try
            {
                work.Execute(0, workers);
            }
            finally
            {
                _done.Wait();
                _work = null;
            }
            if (_error is { } error) ExceptionDispatchInfo.Throw(error);
        }
    }

    private void Loop(object? state)
    {
        int index = (int)state!;
        while (true)
        {
            _start[index].Wait();
            if (_disposed) return;
            try
            {
                _work!.Execute(index + 1, _workers);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        lock (_dispatch)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (SemaphoreSlim start in _start) start.Release();
        }
        foreach (Thread thread in _threads) thread.Join();
        foreach (SemaphoreSlim start in _start) start.Dispose();
        _done.Dispose();
    }

    /// <summary>The half-open range [start, end) of <paramref name="count"/> items that <paramref name="worker"/> owns: contiguous, near-equal shares.</summary>
    public static (int Start, int End) Share(int count, int worker, int workers) =>
        ((int)((long)count * worker / workers), (int)((long)count * (worker + 1) / workers));
}

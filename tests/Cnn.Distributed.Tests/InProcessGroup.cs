namespace Cnn.Distributed.Tests;

/// <summary>
/// A fake group of ranks inside one process, one thread per rank, for testing collective code without MPI:
/// each collective puts the rank's values in its slot, waits for every rank at a barrier, combines the
/// slots in rank order, and waits again. A rank that does not arrive within <see cref="Timeout"/> makes
/// the others throw rather than wait forever.
/// </summary>
internal sealed class InProcessGroup(int size)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Barrier _barrier = new(size);
    private readonly object?[] _slots = new object?[size];

    public ICollectives Rank(int rank) => new Member(this, rank);

    /// <summary>Runs <paramref name="body"/> on one thread per rank and rethrows the first failure.</summary>
    public void Run(Action<ICollectives> body)
    {
        var failures = new Exception?[size];
        Thread[] threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try { body(Rank(rank)); }
            catch (Exception e) { failures[rank] = e; }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads)
            if (!thread.Join(2 * Timeout)) throw new TimeoutException("A rank of the in-process group hung.");
        if (failures.FirstOrDefault(e => e is not null) is Exception failure) throw new AggregateException(failure);
    }

    private void Wait()
    {
        if (!_barrier.SignalAndWait(Timeout)) throw new TimeoutException($"Not every one of the {size} in-process ranks arrived within {Timeout.TotalSeconds} s.");
    }

    private void AllReduce<T>(int rank, Span<T> values, Func<T, T, T> add, Func<T, int, T> divide, ReduceOp op)
    {
        _slots[rank] = values.ToArray();
        Wait();
        for (int i = 0; i < values.Length; i++)
        {
            T sum = ((T[])_slots[0]!)[i];
            for (int r = 1; r < size; r++) sum = add(sum, ((T[])_slots[r]!)[i]);
            values[i] = op == ReduceOp.Mean ? divide(sum, size) : sum;
        }
        Wait();
    }

    private sealed class Member(InProcessGroup group, int rank) : ICollectives
    {
        public int Rank => rank;

        public int WorldSize => group._slots.Length;

        public void AllReduce(Span<float> values, ReduceOp op) => group.AllReduce(rank, values, (a, b) => a + b, (a, n) => a / n, op);

        public void AllReduce(Span<double> values, ReduceOp op) => group.AllReduce(rank, values, (a, b) => a + b, (a, n) => a / n, op);

        public void Broadcast(Span<float> values, int root)
        {
            group._slots[rank] = values.ToArray();
            group.Wait();
            ((float[])group._slots[root]!).CopyTo(values);
            group.Wait();
        }

        public void Barrier() => group.Wait();

        public void Dispose()
        {
        }
    }
}

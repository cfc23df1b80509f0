namespace Cnn.Distributed;

/// <summary>
/// The collective operations data-parallel training needs, over a fixed group of processes
/// (ranks 0 … <see cref="WorldSize"/> − 1). Every rank must make the same calls in the same order
/// with spans of the same length; a call returns when every rank has made it. It lives in
/// Cnn.Runtime so that <see cref="Training.FitOptions.Distributed"/> can name it; the
/// implementations (a single process, Open MPI) are in the Cnn.Distributed package.
/// </summary>
public interface ICollectives : IDisposable
{
    /// <summary>This process's index in the group, from 0.</summary>
    int Rank { get; }

    /// <summary>The number of processes in the group.</summary>
    int WorldSize { get; }

    /// <summary>Replaces <paramref name="values"/>, on every rank, by their element-wise sum or mean over all ranks.</summary>
    void AllReduce(Span<float> values, ReduceOp op);

    /// <summary>
    /// Replaces <paramref name="values"/>, on every rank, by their element-wise sum or mean over all ranks,
    /// in double precision: for statistics (synchronized batch norm's per-channel sums) that must not lose
    /// digits on the way.
    /// </summary>
    void AllReduce(Span<double> values, ReduceOp op);

    /// <summary>
    /// Starts replacing <paramref name="buffer"/>[<paramref name="offset"/> .. + <paramref name="count"/>), on every
    /// rank, by its element-wise sum over all ranks, and returns without waiting for it where the implementation can
    /// (MPI: <c>MPI_Iallreduce</c>): the caller computes on while it runs, leaves the range alone, and completes it
    /// with <see cref="IPendingReduction.Test"/> or <see cref="IPendingReduction.Wait"/>. As with every collective,
    /// all ranks start the same reductions in the same order. This default implementation is the blocking
    /// <see cref="AllReduce(Span{float}, ReduceOp)"/>, and the reduction it returns is already complete.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside <paramref name="buffer"/>.</exception>
    IPendingReduction StartAllReduce(float[] buffer, int offset, int count)
    {
        AllReduce(buffer.AsSpan(offset, count), ReduceOp.Sum);
        return CompletedReduction.Instance;
    }

    /// <summary>Copies <paramref name="values"/> of rank <paramref name="root"/> into <paramref name="values"/> of every other rank.</summary>
    void Broadcast(Span<float> values, int root);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();
}

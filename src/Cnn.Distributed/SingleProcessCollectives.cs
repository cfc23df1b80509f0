namespace Cnn.Distributed;

/// <summary>A group of one process: rank 0 of 1, where every collective leaves the values as they are.</summary>
public sealed class SingleProcessCollectives : ICollectives
{
    public int Rank => 0;

    public int WorldSize => 1;

    /// <summary>The sum and the mean over one rank are its own values.</summary>
    public void AllReduce(Span<float> values, ReduceOp op)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Mean)) throw new ArgumentOutOfRangeException(nameof(op), op, "Not a ReduceOp.");
    }

    public void Broadcast(Span<float> values, int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A single process has only rank 0.");
    }

    public void Barrier()
    {
    }

    public void Dispose()
    {
    }
}

namespace Cnn.Distributed;

/// <summary>A group of one process: rank 0 of 1, where every collective leaves the values as they are.</summary>
public sealed class SingleProcessCollectives : ICollectives
{
    /// <summary>Always 0.</summary>
    public int Rank => 0;

    /// <summary>Always 1.</summary>
    public int WorldSize => 1;

    /// <summary>The sum and the mean over one rank are its own values.</summary>
    public void AllReduce(Span<float> values, ReduceOp op)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Mean)) throw new ArgumentOutOfRangeException(nameof(op), op, "Not a ReduceOp.");
    }

    /// <summary>The sum and the mean over one rank are its own values.</summary>
    public void AllReduce(Span<double> values, ReduceOp op)
    {
        if (op is not (ReduceOp.Sum or ReduceOp.Mean)) throw new ArgumentOutOfRangeException(nameof(op), op, "Not a ReduceOp.");
    }

    /// <summary>Leaves <paramref name="values"/> as they are: rank 0 is the only root.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="root"/> is not 0.</exception>
    public void Broadcast(Span<float> values, int root)
    {
        if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A single process has only rank 0.");
    }

    /// <summary>Returns at once: there is no other rank to wait for.</summary>
    public void Barrier()
    {
    }

    /// <summary>Does nothing; there is nothing to release.</summary>
    public void Dispose()
    {
    }
}

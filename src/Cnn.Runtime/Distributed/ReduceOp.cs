namespace Cnn.Distributed;

/// <summary>How <see cref="ICollectives.AllReduce(Span{float}, ReduceOp)"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The element-wise sum over all ranks.</summary>
    Sum,

    /// <summary>The element-wise sum divided by the world size.</summary>
    Mean,
}

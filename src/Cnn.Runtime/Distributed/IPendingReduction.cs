namespace Cnn.Distributed;

/// <summary>
/// An all-reduce that <see cref="ICollectives.StartAllReduce"/> started and that may still be running:
/// its buffer range must be left alone until <see cref="Test"/> returns true or <see cref="Wait"/> returns.
/// </summary>
public interface IPendingReduction
{
    /// <summary>Whether the reduction has completed (the range then holds the sum); also lets it progress.</summary>
    bool Test();

    /// <summary>Returns when the reduction has completed; then the range holds the sum over all ranks.</summary>
    void Wait();
}

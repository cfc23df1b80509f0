namespace Cnn.Distributed;

/// <summary>A reduction that was already complete when it was returned: what a blocking <see cref="ICollectives.StartAllReduce"/> gives.</summary>
internal sealed class CompletedReduction : IPendingReduction
{
    public static readonly CompletedReduction Instance = new();

    private CompletedReduction()
    {
    }

    public bool Test() => true;

    public void Wait()
    {
    }
}

namespace Cnn.Training;

/// <summary>
/// Stops training at the first step whose loss is NaN or infinite, instead of letting Fit throw
/// <see cref="TrainingDivergedException"/> (Keras's <c>TerminateOnNaN</c>). Fit then returns the
/// history of the finished epochs. The failed step is not applied, the unfinished epoch is not
/// recorded, and no callback saves after it, so the file a <see cref="ModelCheckpoint"/> wrote last
/// stays as it was. <see cref="Divergence"/> says at which step, and in which layer, it went wrong.
/// </summary>
public sealed class TerminateOnNaN : ICallback
{
    /// <summary>Where training diverged, or null when it did not.</summary>
    public Divergence? Divergence { get; private set; }

    /// <inheritdoc/>
    public void OnTrainBegin(TrainingContext context) => Divergence = null;

    /// <inheritdoc/>
    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (double.IsFinite(batch.Loss)) return;
        Divergence = context.Divergence;
        string message = Divergence?.Message ?? $"The loss is {batch.Loss} at step {batch.Step}.";
        context.Stop(message);
        context.Log("Terminated on a non-finite loss. " + message);
    }
}

namespace Cnn.Training;

/// <summary>Thrown when the loss becomes NaN or infinite, naming where it happened, so a run stops instead of training on garbage.</summary>
public sealed class TrainingDivergedException : Exception
{
    public TrainingDivergedException(int epoch, int batch, double loss)
        : base($"Training diverged: the loss is {loss} at epoch {epoch}, batch {batch}. Lower the learning rate or check the input normalisation.")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>Carries the step and the layer where the run went wrong.</summary>
    public TrainingDivergedException(Divergence divergence)
        : base("Training diverged. " + divergence.Message)
    {
        Divergence = divergence;
        Epoch = divergence.Epoch;
        Batch = divergence.Batch;
    }

    public int Epoch { get; }
    public int Batch { get; }

    /// <summary>The step, the layer and what was non-finite; null when thrown without a diagnosis.</summary>
    public Divergence? Divergence { get; }
}

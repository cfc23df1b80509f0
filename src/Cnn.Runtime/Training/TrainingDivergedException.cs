namespace Cnn.Training;

/// <summary>Thrown when the loss becomes NaN or infinite, naming where it happened, so a run stops instead of training on garbage.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>A divergence known only by its step and loss.</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The batch within the epoch, from 1.</param>
    /// <param name="loss">The non-finite loss.</param>
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

    /// <summary>The epoch, from 1.</summary>
    public int Epoch { get; }
    /// <summary>The batch within the epoch, from 1.</summary>
    public int Batch { get; }

    /// <summary>The step, the layer and what was non-finite; null when thrown without a diagnosis.</summary>
    public Divergence? Divergence { get; }
}

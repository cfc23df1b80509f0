namespace Cnn.Training;

/// <summary>A snapshot of training within an epoch, reported without allocating.</summary>
public readonly record struct TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int Batches,
    double Loss,
    double Accuracy,
    double ImagesPerSecond,
    TimeSpan Elapsed,
    bool EpochFinished)
{
    /// <summary>At the end of an epoch with a validation set, its validation loss.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>At the end of an epoch with a validation set, its validation accuracy.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>The learning rate in use; 0 when not reported.</summary>
    public double LearningRate { get; init; }

    /// <summary>Estimated time left in this epoch.</summary>
    public TimeSpan Remaining => Batch == 0 ? TimeSpan.Zero : Elapsed * ((double)(Batches - Batch) / Batch);
}

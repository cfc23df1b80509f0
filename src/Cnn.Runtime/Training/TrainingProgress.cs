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
    /// <summary>Estimated time left in this epoch.</summary>
    public TimeSpan Remaining => Batch == 0 ? TimeSpan.Zero : Elapsed * ((double)(Batches - Batch) / Batch);
}

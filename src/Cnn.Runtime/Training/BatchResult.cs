namespace Cnn.Training;

/// <summary>What one training step did, passed to <see cref="ICallback.OnBatchEnd"/> without allocating.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Batch">The batch within the epoch, from 1.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Step">The batch's number over the whole run, from 1 (resumed runs continue the count).</param>
/// <param name="Count">Samples in the batch.</param>
/// <param name="Loss">This batch's mean loss, penalties included; not finite when training diverged.</param>
/// <param name="Correct">Samples of this batch classified correctly.</param>
/// <param name="EpochLoss">Mean loss over the epoch so far.</param>
/// <param name="EpochAccuracy">Accuracy over the epoch so far.</param>
/// <param name="Elapsed">Training time in this epoch so far (validation excluded).</param>
/// <param name="Samples">Samples trained on in this epoch so far.</param>
/// <param name="LearningRate">The learning rate this step used.</param>
public readonly record struct BatchResult(
    int Epoch,
    int Batch,
    int Batches,
    long Step,
    int Count,
    double Loss,
    int Correct,
    double EpochLoss,
    double EpochAccuracy,
    TimeSpan Elapsed,
    long Samples,
    double LearningRate)
{
    /// <summary>Samples per second in this epoch so far.</summary>
    public double ImagesPerSecond => Elapsed > TimeSpan.Zero ? Samples / Elapsed.TotalSeconds : 0;
}

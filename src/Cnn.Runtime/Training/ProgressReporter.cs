namespace Cnn.Training;

/// <summary>Feeds <see cref="FitOptions.Progress"/> from the callback events: about fifty reports per epoch, and one at its end.</summary>
internal sealed class ProgressReporter(IProgress<TrainingProgress> progress) : ICallback
{
    private int _every = 1;

    public void OnTrainBegin(TrainingContext context) => _every = Math.Max(1, context.BatchesPerEpoch / 50);

    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (batch.Batch % _every != 0 || batch.Batch >= batch.Batches || !double.IsFinite(batch.Loss)) return;
        progress.Report(new TrainingProgress(batch.Epoch, context.Epochs, batch.Batch, batch.Batches, batch.EpochLoss, batch.EpochAccuracy,
            batch.ImagesPerSecond, batch.Elapsed, EpochFinished: false) { LearningRate = batch.LearningRate });
    }

    public void OnEpochEnd(TrainingContext context, EpochResult result) =>
        progress.Report(new TrainingProgress(result.Epoch, context.Epochs, context.BatchesPerEpoch, context.BatchesPerEpoch, result.Loss, result.Accuracy,
            result.ImagesPerSecond, TimeSpan.FromSeconds(result.Seconds), EpochFinished: true)
        {
            ValidationLoss = result.ValidationLoss,
            ValidationAccuracy = result.ValidationAccuracy,
            LearningRate = result.LearningRate,
        });
}

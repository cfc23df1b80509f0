using Microsoft.Extensions.Logging;

namespace Cnn.Training;

/// <summary>Feeds <see cref="FitOptions.Logger"/> from the callback events, as <see cref="ProgressReporter"/> feeds the console.</summary>
internal sealed class LoggerReporter(ILogger logger) : ICallback
{
    public void OnTrainBegin(TrainingContext context) =>
        logger.TrainingStarted(context.Network.ArchitectureName, context.Epochs, context.BatchesPerEpoch, context.BatchSize, context.Epoch);

    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (!double.IsFinite(batch.Loss))
        {
            logger.TrainingDiverged(batch.Epoch, batch.Batch, batch.Step, context.Divergence?.Message ?? "the loss is not finite");
            return;
        }
        logger.StepCompleted(batch.Epoch, batch.Batch, batch.Batches, batch.Step, batch.Loss, batch.EpochLoss, batch.EpochAccuracy, batch.LearningRate, batch.ImagesPerSecond);
    }

    public void OnEpochEnd(TrainingContext context, EpochResult result) =>
        logger.EpochCompleted(result.Epoch, context.Epochs, result.Loss, result.Accuracy, result.ValidationLoss, result.ValidationAccuracy,
            result.LearningRate, result.Seconds, result.ImagesPerSecond);
}

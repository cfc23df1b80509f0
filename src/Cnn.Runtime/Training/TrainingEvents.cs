using Microsoft.Extensions.Logging;

namespace Cnn.Training;

/// <summary>
/// The structured events that <see cref="FitOptions.Logger"/> receives, with stable event ids and
/// named values, so that a log pipeline (Serilog, OpenTelemetry, Application Insights) can query
/// them: "every epoch whose ValidationAccuracy fell", not a parsed console line. Written by the
/// logging source generator, so a disabled level costs one check and no allocation.
/// </summary>
public static partial class TrainingEvents
{
    /// <summary>Event id 1, Information: Fit starts (or resumes) training.</summary>
    [LoggerMessage(EventId = 1, EventName = "TrainingStarted", Level = LogLevel.Information,
        Message = "Training {Network} for {Epochs} epoch(s) of {BatchesPerEpoch} batch(es) of up to {BatchSize} samples, from epoch {StartEpoch}")]
    public static partial void TrainingStarted(this ILogger logger, string network, int epochs, int batchesPerEpoch, int batchSize, int startEpoch);

    /// <summary>Event id 2, Debug: one optimisation step finished (every step, so only at Debug).</summary>
    [LoggerMessage(EventId = 2, EventName = "StepCompleted", Level = LogLevel.Debug,
        Message = "Epoch {Epoch} batch {Batch}/{Batches} (step {Step}): loss {Loss:F4}, epoch loss {EpochLoss:F4}, epoch accuracy {EpochAccuracy:P2}, learning rate {LearningRate:G4}, {ImagesPerSecond:F0} images/s")]
    public static partial void StepCompleted(this ILogger logger, int epoch, int batch, int batches, long step, double loss, double epochLoss, double epochAccuracy, double learningRate, double imagesPerSecond);

    /// <summary>Event id 3, Information: an epoch's training and validation finished.</summary>
    [LoggerMessage(EventId = 3, EventName = "EpochCompleted", Level = LogLevel.Information,
        Message = "Epoch {Epoch}/{Epochs}: loss {Loss:F4}, accuracy {Accuracy:P2}, validation loss {ValidationLoss:F4}, validation accuracy {ValidationAccuracy:P2}, learning rate {LearningRate:G4}, {Seconds:F1} s, {ImagesPerSecond:F0} images/s")]
    public static partial void EpochCompleted(this ILogger logger, int epoch, int epochs, double loss, double accuracy, double? validationLoss, double? validationAccuracy, double learningRate, double seconds, double imagesPerSecond);

    /// <summary>Event id 4, Information: a callback or Fit itself reported what it did (early stop, learning rate reduced, model saved, resumed).</summary>
    [LoggerMessage(EventId = 4, EventName = "TrainingNote", Level = LogLevel.Information, Message = "{Note}")]
    public static partial void TrainingNote(this ILogger logger, string note);

    /// <summary>Event id 5, Error: a step's loss was not finite; the step was not applied.</summary>
    [LoggerMessage(EventId = 5, EventName = "TrainingDiverged", Level = LogLevel.Error,
        Message = "Epoch {Epoch} batch {Batch} (step {Step}) diverged: {Divergence}")]
    public static partial void TrainingDiverged(this ILogger logger, int epoch, int batch, long step, string divergence);

    /// <summary>Event id 6, Information: training ended (completed, or stopped by a callback).</summary>
    [LoggerMessage(EventId = 6, EventName = "TrainingEnded", Level = LogLevel.Information,
        Message = "Training ended after epoch {Epoch}: {Reason}")]
    public static partial void TrainingEnded(this ILogger logger, int epoch, string reason);
}

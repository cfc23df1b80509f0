namespace Cnn.Training;

/// <summary>One row of the training history: the epoch's mean training loss and accuracy, and the validation figures when a validation set was given.</summary>
public sealed record EpochResult(
    int Epoch,
    double Loss,
    double Accuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double Seconds,
    double ImagesPerSecond,
    double LearningRate);

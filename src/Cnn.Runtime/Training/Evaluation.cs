namespace Cnn.Training;

/// <summary>Mean loss and accuracy over a data set.</summary>
public sealed record Evaluation(double Loss, double Accuracy, int Count);

namespace Cnn.Training;

/// <summary>A classifier's answer for one input: the class index, its name, and the softmax confidence.</summary>
public sealed record Prediction(int ClassIndex, string ClassName, float Confidence);

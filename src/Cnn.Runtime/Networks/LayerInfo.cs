namespace Cnn;

/// <summary>
/// One node of a network in execution order: a layer, or the residual sum or concatenation of a
/// block, with its full name (e.g. "layer2.0.conv1"), its kind, and the shape of one sample of its output.
/// </summary>
public sealed record LayerInfo(string Name, string Kind, TensorShape OutputShape);

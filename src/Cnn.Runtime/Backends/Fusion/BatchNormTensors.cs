namespace Cnn.Backends;

/// <summary>
/// The tensors of a batch norm that a fused convolution folds in: its weight (γ) and bias (β), and
/// its running statistics. <c>default</c> when the epilogue has no batch norm.
/// </summary>
/// <param name="Weight">γ, one value per channel.</param>
/// <param name="Bias">β, one value per channel.</param>
/// <param name="RunningMean">The running mean, one value per channel.</param>
/// <param name="RunningVariance">The running (unbiased) variance, one value per channel.</param>
public readonly record struct BatchNormTensors(Tensor Weight, Tensor Bias, Tensor RunningMean, Tensor RunningVariance);

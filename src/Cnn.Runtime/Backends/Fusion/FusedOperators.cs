namespace Cnn.Backends;

/// <summary>
/// The fused operators a backend runs in one pass (<see cref="IBackend.FusedOperators"/>). A backend
/// that lacks one still accepts it: <see cref="IBackend.CreateFusedConv2d"/> and
/// <see cref="IBackend.CreateFusedLinear"/> then run the layers one after another, with the same results.
/// </summary>
[Flags]
public enum FusedOperators
{
    /// <summary>Every fused step runs as its layers in sequence.</summary>
    None = 0,

    /// <summary>Convolution + bias + elementwise activation, applied to each output tile as it is computed.</summary>
    ConvolutionActivation = 1,

    /// <summary>Convolution with the batch norm after it folded into a per-channel scale and shift (evaluation form).</summary>
    ConvolutionBatchNorm = 2,

    /// <summary>Linear + bias + elementwise activation.</summary>
    LinearActivation = 4,

    /// <summary>Convolution (+ batch norm + activation) + pooling: each image pooled as soon as its convolution is done, while it is in cache.</summary>
    ConvolutionPool = 8,
}

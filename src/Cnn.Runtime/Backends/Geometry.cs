namespace Cnn.Backends;

// The constant shapes of one layer, known at compile time and handed to the backend once, at
// construction, so that it can prepare per-layer state (workspaces, packed weights, cuDNN descriptors).
// MaxBatch is the largest batch a call will pass; every call passes its actual batch.

/// <summary>A 2-D convolution over NCHW tensors, weights laid out as PyTorch's [out, in/groups, kh, kw].</summary>
public readonly record struct Conv2dGeometry(
    int MaxBatch,
    int InChannels, int InHeight, int InWidth,
    int OutChannels, int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PaddingHeight, int PaddingWidth,
    int DilationHeight, int DilationWidth,
    int Groups, bool HasBias)
{
    /// <summary>Floats per input sample: InChannels · InHeight · InWidth.</summary>
    public int InputSize => InChannels * InHeight * InWidth;
    /// <summary>Floats per output sample: OutChannels · OutHeight · OutWidth.</summary>
    public int OutputSize => OutChannels * OutHeight * OutWidth;
    /// <summary>Floats in the weight: OutChannels · (InChannels / Groups) · KernelHeight · KernelWidth.</summary>
    public int WeightSize => OutChannels * (InChannels / Groups) * KernelHeight * KernelWidth;
}

/// <summary>A fully connected layer: y = x Wᵀ + b, weights laid out as PyTorch's [out, in].</summary>
public readonly record struct LinearGeometry(int MaxBatch, int InFeatures, int OutFeatures, bool HasBias)
{
    /// <summary>Floats in the weight: OutFeatures · InFeatures.</summary>
    public int WeightSize => OutFeatures * InFeatures;
}

/// <summary>Which reduction a pooling window applies.</summary>
public enum PoolKind
{
    /// <summary>Maximum over the window; padding never wins it, and the gradient goes to the first maximum.</summary>
    Max,
    /// <summary>
    /// Average over the window: by default counting padded zeros (PyTorch's count_include_pad=True), or
    /// only the input's elements when <see cref="Pool2dGeometry.CountIncludePad"/> is false.
    /// </summary>
    Average,
    /// <summary>Sum over the window (PyTorch's LPPool2d with norm 1 on non-negative inputs; AvgPool2d × window area).</summary>
    Sum,
    /// <summary>
    /// PyTorch's AdaptiveAvgPool2d: output cell (i, j) averages rows floor(i·H/OH) … ceil((i+1)·H/OH) and
    /// the same for columns; the kernel, stride and padding fields are unused.
    /// </summary>
    AdaptiveAverage,
}

/// <summary>
/// A 2-D pooling layer over NCHW tensors. Windows that run past the padded input (PyTorch's
/// ceil_mode) are clipped to it. <see cref="CountIncludePad"/> is PyTorch's count_include_pad for
/// <see cref="PoolKind.Average"/>: true divides by the window clipped to the padded input, false by
/// the number of input elements in it; the other kinds require true.
/// </summary>
public readonly record struct Pool2dGeometry(
    PoolKind Kind, int MaxBatch,
    int Channels, int InHeight, int InWidth,
    int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PaddingHeight, int PaddingWidth,
    bool CountIncludePad = true)
{
    /// <summary>Floats per input sample: Channels · InHeight · InWidth.</summary>
    public int InputSize => Channels * InHeight * InWidth;
    /// <summary>Floats per output sample: Channels · OutHeight · OutWidth.</summary>
    public int OutputSize => Channels * OutHeight * OutWidth;
}

/// <summary>Functions applied per sample without parameters.</summary>
public enum ActivationKind
{
    /// <summary>max(0, x); NaN passes through.</summary>
    ReLU,
    /// <summary>tanh(x).</summary>
    Tanh,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>Softmax over the features of each sample.</summary>
    Softmax,
    /// <summary>Log-softmax over the features of each sample.</summary>
    LogSoftmax,
    /// <summary>x for x ≥ 0, slope·x below.</summary>
    LeakyReLU,
    /// <summary>x·σ(x), PyTorch's nn.SiLU (Swish).</summary>
    SiLU,
    /// <summary>x·Φ(x) with Φ the standard normal CDF, PyTorch's nn.GELU in its exact (erf) form.</summary>
    GELU,
}

/// <summary>An activation over <see cref="Features"/> elements per sample; <see cref="NegativeSlope"/> is LeakyReLU's.</summary>
public readonly record struct ActivationGeometry(ActivationKind Kind, int MaxBatch, int Features, float NegativeSlope = 0.01f);

/// <summary>
/// Batch normalisation over <see cref="Channels"/> with <see cref="Spatial"/> values per channel and
/// sample (H·W for BatchNorm2d, 1 for BatchNorm1d), with PyTorch's eps and momentum: training
/// normalises with the batch statistics and updates running = (1 − momentum)·running + momentum·batch,
/// using the unbiased variance for the running value; evaluation normalises with the running statistics.
/// </summary>
public readonly record struct BatchNormGeometry(int MaxBatch, int Channels, int Spatial, float Epsilon, float Momentum);

/// <summary>Inverted dropout: in training, zeroes each element with probability <see cref="Probability"/> and scales the rest by 1/(1-p).</summary>
public readonly record struct DropoutGeometry(int MaxBatch, int Features, float Probability, ulong Seed);

namespace Cnn.Backends;

/// <summary>
/// Rejects inconsistent layer geometry at operator construction, and batches beyond it at each call.
/// Every backend calls these, so that a network fails the same way, with the same message, on any of them.
/// </summary>
public static class GeometryChecks
{
    /// <summary>Checks that sizes, strides, dilations and groups are positive, padding is not negative, groups divide both channel counts, and the output size is PyTorch's for the input.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent; the message names the field.</exception>
    public static void Validate(in Conv2dGeometry g)
    {
        Positive(g.MaxBatch, "MaxBatch", "Conv2d");
        Positive(g.InChannels, "InChannels", "Conv2d");
        Positive(g.OutChannels, "OutChannels", "Conv2d");
        Positive(g.KernelHeight, "KernelHeight", "Conv2d");
        Positive(g.KernelWidth, "KernelWidth", "Conv2d");
        Positive(g.StrideHeight, "StrideHeight", "Conv2d");
        Positive(g.StrideWidth, "StrideWidth", "Conv2d");
        Positive(g.DilationHeight, "DilationHeight", "Conv2d");
        Positive(g.DilationWidth, "DilationWidth", "Conv2d");
        Positive(g.Groups, "Groups", "Conv2d");
        if (g.PaddingHeight < 0 || g.PaddingWidth < 0)
            throw new ArgumentException($"Conv2d padding must not be negative; got ({g.PaddingHeight}, {g.PaddingWidth}).");
        if (g.InChannels % g.Groups != 0 || g.OutChannels % g.Groups != 0)
            throw new ArgumentException($"Conv2d channels ({g.InChannels} in, {g.OutChannels} out) must both be divisible by Groups = {g.Groups}.");
        int outH = ConvOut(g.InHeight, g.KernelHeight, g.StrideHeight, g.PaddingHeight, g.DilationHeight);
        int outW = ConvOut(g.InWidth, g.KernelWidth, g.StrideWidth, g.PaddingWidth, g.DilationWidth);
        if (outH < 1 || outW < 1 || outH != g.OutHeight || outW != g.OutWidth)
            throw new ArgumentException($"Conv2d on a {g.InHeight}x{g.InWidth} input gives a {outH}x{outW} output, but the geometry says {g.OutHeight}x{g.OutWidth}.");
    }

    /// <summary>Checks that the batch and both feature counts are positive.</summary>
    /// <exception cref="ArgumentException">A size is zero or negative.</exception>
    public static void Validate(in LinearGeometry g)
    {
        Positive(g.MaxBatch, "MaxBatch", "Linear");
        Positive(g.InFeatures, "InFeatures", "Linear");
        Positive(g.OutFeatures, "OutFeatures", "Linear");
    }

    /// <summary>
    /// Checks the kind, positive sizes, padding of at most half the kernel, and an output size that is
    /// PyTorch's with floor or ceil rounding; adaptive pooling checks the output size only.
    /// </summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent; the message names the field.</exception>
    public static void Validate(in Pool2dGeometry g)
    {
        if (!Enum.IsDefined(g.Kind)) throw new ArgumentException($"Unknown pooling kind {(int)g.Kind}.");
        Positive(g.MaxBatch, "MaxBatch", "Pool2d");
        Positive(g.Channels, "Channels", "Pool2d");
        Positive(g.InHeight, "InHeight", "Pool2d");
        Positive(g.InWidth, "InWidth", "Pool2d");
        if (!g.CountIncludePad && g.Kind != PoolKind.Average)
            throw new ArgumentException($"Pool2d CountIncludePad = false applies to average pooling only, not {g.Kind}.");
        if (g.Kind == PoolKind.AdaptiveAverage)
        {
            // The window follows from the two sizes alone; kernel, stride and padding are unused.
            Positive(g.OutHeight, "OutHeight", "AdaptiveAvgPool2d");
            Positive(g.OutWidth, "OutWidth", "AdaptiveAvgPool2d");
            return;
        }
        Positive(g.KernelHeight, "KernelHeight", "Pool2d");
        Positive(g.KernelWidth, "KernelWidth", "Pool2d");
        Positive(g.StrideHeight, "StrideHeight", "Pool2d");
        Positive(g.StrideWidth, "StrideWidth", "Pool2d");
        if (g.PaddingHeight < 0 || g.PaddingWidth < 0 || 2 * g.PaddingHeight > g.KernelHeight || 2 * g.PaddingWidth > g.KernelWidth)
            throw new ArgumentException($"Pool2d padding ({g.PaddingHeight}, {g.PaddingWidth}) must be between 0 and half the kernel ({g.KernelHeight}, {g.KernelWidth}).");
        PoolExtent(g.InHeight, g.OutHeight, g.KernelHeight, g.StrideHeight, g.PaddingHeight, "height");
        PoolExtent(g.InWidth, g.OutWidth, g.KernelWidth, g.StrideWidth, g.PaddingWidth, "width");
    }

    /// <summary>Checks that the batch and features are positive and the kind is known.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent.</exception>
    public static void Validate(in ActivationGeometry g)
    {
        Positive(g.MaxBatch, "MaxBatch", "Activation");
        Positive(g.Features, "Features", "Activation");
        if (!Enum.IsDefined(g.Kind)) throw new ArgumentException($"Unknown activation kind {(int)g.Kind}.");
    }

    /// <summary>Checks that the batch and features are positive and the probability is in [0, 1].</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent.</exception>
    public static void Validate(in DropoutGeometry g)
    {
        Positive(g.MaxBatch, "MaxBatch", "Dropout");
        Positive(g.Features, "Features", "Dropout");
        if (!(g.Probability >= 0f && g.Probability <= 1f))
            throw new ArgumentException($"Dropout probability must be in [0, 1]; got {g.Probability}.");
    }

    /// <summary>Checks positive sizes, a positive epsilon and a momentum in [0, 1].</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent.</exception>
    public static void Validate(in BatchNormGeometry g)
    {
        Positive(g.MaxBatch, "MaxBatch", "BatchNorm");
        Positive(g.Channels, "Channels", "BatchNorm");
        Positive(g.Spatial, "Spatial", "BatchNorm");
        if (!(g.Epsilon > 0f)) throw new ArgumentException($"BatchNorm epsilon must be positive; got {g.Epsilon}.");
        if (!(g.Momentum >= 0f && g.Momentum <= 1f)) throw new ArgumentException($"BatchNorm momentum must be in [0, 1]; got {g.Momentum}.");
    }

    /// <summary>A convolution's epilogue: a batch norm over its output channels and planes, and an elementwise activation over its output.</summary>
    public static void Validate(in Conv2dGeometry g, in Epilogue epilogue)
    {
        Validate(g);
        if (epilogue.BatchNorm is { } norm)
        {
            Validate(norm);
            if (norm.Channels != g.OutChannels || norm.Spatial != g.OutHeight * g.OutWidth || norm.MaxBatch != g.MaxBatch)
                throw new ArgumentException($"A batch norm folded into a convolution must match its output: {g.OutChannels} channels of {g.OutHeight}x{g.OutWidth} for batches up to {g.MaxBatch}; "
                    + $"the batch norm has {norm.Channels} channels of {norm.Spatial} values for batches up to {norm.MaxBatch}.");
        }
        if (epilogue.Activation is { } activation) ValidateEpilogueActivation(activation, g.MaxBatch, g.OutputSize, "convolution");
        if (epilogue.Pool is { } pool)
        {
            Validate(pool);
            if (pool.Channels != g.OutChannels || pool.InHeight != g.OutHeight || pool.InWidth != g.OutWidth || pool.MaxBatch != g.MaxBatch)
                throw new ArgumentException($"A pool fused into a convolution must take its output: {g.OutChannels} channels of {g.OutHeight}x{g.OutWidth} for batches up to {g.MaxBatch}; "
                    + $"the pool takes {pool.Channels} channels of {pool.InHeight}x{pool.InWidth} for batches up to {pool.MaxBatch}.");
        }
    }

    /// <summary>A linear layer's epilogue: an elementwise activation over its output; no batch norm.</summary>
    public static void Validate(in LinearGeometry g, in Epilogue epilogue)
    {
        Validate(g);
        if (epilogue.BatchNorm is not null) throw new ArgumentException("A batch norm cannot be folded into a linear layer; run it as its own layer.");
        if (epilogue.Pool is not null) throw new ArgumentException("A pool cannot follow a linear layer in a fused step; run it as its own layer.");
        if (epilogue.Activation is { } activation) ValidateEpilogueActivation(activation, g.MaxBatch, g.OutFeatures, "linear layer");
    }

    private static void ValidateEpilogueActivation(in ActivationGeometry activation, int maxBatch, int features, string layer)
    {
        Validate(activation);
        if (activation.Kind is ActivationKind.Softmax or ActivationKind.LogSoftmax)
            throw new ArgumentException($"A fused {layer} applies elementwise activations only; {activation.Kind} normalises over a sample, so run it as its own layer.");
        if (activation.Features != features || activation.MaxBatch != maxBatch)
            throw new ArgumentException($"An activation fused into a {layer} must cover its output: {features} values per sample for batches up to {maxBatch}; "
                + $"it covers {activation.Features} for batches up to {activation.MaxBatch}.");
    }

    /// <summary>Checks a call's batch against the MaxBatch its operator was prepared for.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is negative or above <paramref name="maxBatch"/>.</exception>
    public static void Batch(int batch, int maxBatch)
    {
        if ((uint)batch > (uint)maxBatch)
            throw new ArgumentOutOfRangeException(nameof(batch), $"Batch {batch} is outside [0, {maxBatch}], the MaxBatch this operator was prepared for.");
    }

    /// <summary>PyTorch's pooling output size with floor rounding (ceil mode may give one more).</summary>
    public static int FloorPoolOutput(int input, int kernel, int stride, int padding) => (input + 2 * padding - kernel) / stride + 1;

    private static int ConvOut(int input, int kernel, int stride, int padding, int dilation) =>
        (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;

    // Accepts PyTorch's floor and ceil_mode sizes: every window must start inside the input or its left padding.
    private static void PoolExtent(int input, int output, int kernel, int stride, int padding, string axis)
    {
        int floor = (input + 2 * padding - kernel) / stride + 1;
        if (output < 1 || output < floor || output > floor + 1 || (output - 1) * stride >= input + padding)
            throw new ArgumentException($"Pool2d over {input} along the {axis} with kernel {kernel}, stride {stride}, padding {padding} gives {floor} outputs (or {floor + 1} in ceil mode), not {output}.");
    }

    private static void Positive(int value, string name, string layer)
    {
        if (value <= 0) throw new ArgumentException($"{layer} {name} must be positive; got {value}.");
    }
}

namespace Cnn.Backends;

// One prepared operator per layer. Forward and backward sit side by side. Backward overwrites
// parameter gradients (it does not accumulate) and skips each gradient whose tensor is empty: the
// input gradient of the first layer, the weight and bias gradients of a frozen parameter (whose
// memory it then leaves untouched).

/// <summary>A prepared 2-D convolution.</summary>
public interface IConv2dOperator
{
    /// <summary>Convolves <paramref name="batch"/> NCHW samples; <paramref name="bias"/> is ignored without HasBias.</summary>
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
    /// <summary>Writes the gradients of the weight, the bias (when present) and, unless <paramref name="inputGradient"/> is empty, the input, from the forward's input and <paramref name="outputGradient"/>.</summary>
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

/// <summary>
/// A convolution fused with what follows it (<see cref="Epilogue"/>): bias, folded batch norm and
/// activation applied to the output in the same pass. Forward only: in training, a fused step's
/// backward is its layers' own backward passes.
/// </summary>
public interface IFusedConv2dOperator
{
    /// <summary>
    /// output = pool(activation(batchNorm(conv(input, weight) + bias))), with the batch norm in
    /// evaluation form. With a pool in the epilogue, <paramref name="unpooled"/> (the convolution's
    /// output size) is where the step may keep the tensor before pooling; without one it is not used.
    /// </summary>
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, in BatchNormTensors batchNorm, Tensor output, Tensor unpooled = default);
}

/// <summary>A prepared fully connected layer.</summary>
public interface ILinearOperator
{
    /// <summary>Computes y = x Wᵀ + b for <paramref name="batch"/> rows; <paramref name="bias"/> is ignored without HasBias.</summary>
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
    /// <summary>Writes the gradients of the weight, the bias (when present) and, unless <paramref name="inputGradient"/> is empty, the input, from the forward's input and <paramref name="outputGradient"/>.</summary>
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

/// <summary>A linear layer fused with the activation after it (<see cref="Epilogue"/>). Forward only.</summary>
public interface IFusedLinearOperator
{
    /// <summary>output = activation(input · weightᵀ + bias).</summary>
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
}

/// <summary>A prepared pooling layer.</summary>
public interface IPool2dOperator
{
    /// <summary>Pools <paramref name="batch"/> NCHW samples.</summary>
    void Forward(int batch, Tensor input, Tensor output);
    /// <summary>Writes the input gradient from the forward's input and output and <paramref name="outputGradient"/>.</summary>
    void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient);
    /// <summary>
    /// Max pooling for a training plan that keeps neither the input nor the output for backward: pools
    /// and writes each window's maximum position to <paramref name="indices"/> (<see cref="CompactMasks"/>).
    /// </summary>
    void ForwardSavingIndices(int batch, Tensor input, Tensor output, Tensor indices);
    /// <summary>Overwrites the input gradient, routing <paramref name="outputGradient"/> through the <paramref name="indices"/> that <see cref="ForwardSavingIndices"/> wrote.</summary>
    void BackwardFromIndices(int batch, Tensor indices, Tensor outputGradient, Tensor inputGradient);
}

/// <summary>A prepared activation (ReLU, Tanh, Sigmoid, Softmax, LogSoftmax).</summary>
public interface IActivationOperator
{
    /// <summary>Applies the activation to <paramref name="batch"/> samples.</summary>
    void Forward(int batch, Tensor input, Tensor output);
    /// <summary>Writes the input gradient from the forward's input or output (whichever the kind needs) and <paramref name="outputGradient"/>.</summary>
    void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient);
    /// <summary>
    /// ReLU or LeakyReLU with a non-negative slope, for a training plan that keeps no output for
    /// backward: applies the activation (in place allowed) and writes the bit mask of output &gt; 0 (<see cref="CompactMasks"/>).
    /// </summary>
    void ForwardSavingMask(int batch, Tensor input, Tensor output, Tensor mask);
    /// <summary>Writes the input gradient from the bit mask that <see cref="ForwardSavingMask"/> wrote (<paramref name="inputGradient"/> may be <paramref name="outputGradient"/>).</summary>
    void BackwardFromMask(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient);
}

/// <summary>A prepared dropout layer. The mask holds, per element, 0 or the 1/(1-p) scale.</summary>
public interface IDropoutOperator
{
    /// <summary>The seed of the mask streams; <see cref="DropoutGeometry.Seed"/> until set.</summary>
    ulong MaskSeed { get; set; }

    /// <summary>The mask stream that the next training forward draws from; each training forward takes the next one.</summary>
    ulong MaskStream { get; set; }

    /// <summary>In training, draws the next <paramref name="mask"/> and writes input · mask; otherwise copies the input and fills the mask with 1.</summary>
    void Forward(int batch, Tensor input, Tensor output, Tensor mask, bool training);
    /// <summary>Writes inputGradient = outputGradient · mask.</summary>
    void Backward(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient);
}

/// <summary>
/// A prepared batch normalisation. Training forward keeps the batch statistics for the backward
/// pass and increments <c>batchesTracked</c> (PyTorch's num_batches_tracked, one float).
/// Backward follows the mode of the last forward.
/// </summary>
public interface IBatchNormOperator
{
    /// <summary>Normalises <paramref name="batch"/> samples per channel, then scales by weight and adds bias; <paramref name="training"/> selects batch statistics (and updates the running ones) or the running ones.</summary>
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training);
    /// <summary>Writes the weight, bias and (unless empty) input gradients, through the statistics that the last forward used.</summary>
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

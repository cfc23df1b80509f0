namespace Cnn.Backends;

// One prepared operator per layer. Forward and backward sit side by side. Backward overwrites
// parameter gradients (it does not accumulate) and skips each gradient whose tensor is empty: the
// input gradient of the first layer, the weight and bias gradients of a frozen parameter (whose
// memory it then leaves untouched).

/// <summary>A prepared 2-D convolution.</summary>
public interface IConv2dOperator
{
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

/// <summary>A prepared fully connected layer.</summary>
public interface ILinearOperator
{
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

/// <summary>A prepared pooling layer.</summary>
public interface IPool2dOperator
{
    void Forward(int batch, Tensor input, Tensor output);
    void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient);
}

/// <summary>A prepared activation (ReLU, Tanh, Sigmoid, Softmax, LogSoftmax).</summary>
public interface IActivationOperator
{
    void Forward(int batch, Tensor input, Tensor output);
    void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient);
}

/// <summary>A prepared dropout layer. The mask holds, per element, 0 or the 1/(1-p) scale.</summary>
public interface IDropoutOperator
{
    /// <summary>The seed of the mask streams; <see cref="DropoutGeometry.Seed"/> until set.</summary>
    ulong MaskSeed { get; set; }

    /// <summary>The mask stream that the next training forward draws from; each training forward takes the next one.</summary>
    ulong MaskStream { get; set; }

    void Forward(int batch, Tensor input, Tensor output, Tensor mask, bool training);
    void Backward(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient);
}

/// <summary>
/// A prepared batch normalisation. Training forward keeps the batch statistics for the backward
/// pass and increments <c>batchesTracked</c> (PyTorch's num_batches_tracked, one float).
/// Backward follows the mode of the last forward.
/// </summary>
public interface IBatchNormOperator
{
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training);
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

namespace Cnn.Backends;

// One prepared operator per layer. Forward and backward sit side by side. Backward overwrites
// parameter gradients (it does not accumulate) and skips the input gradient when that tensor is
// empty, as it is for the first layer.

/// <summary>A prepared 2-D convolution.</summary>
public interface IConv2dOperator
{
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
    void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient);
}

/// <summary>
/// A convolution fused with what follows it (<see cref="Epilogue"/>): bias, folded batch norm and
/// activation applied to the output in the same pass. Forward only: in training, a fused step's
/// backward is its layers' own backward passes.
/// </summary>
public interface IFusedConv2dOperator
{
    /// <summary>output = activation(batchNorm(conv(input, weight) + bias)), with the batch norm in evaluation form.</summary>
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, in BatchNormTensors batchNorm, Tensor output);
}

/// <summary>A prepared fully connected layer.</summary>
public interface ILinearOperator
{
    void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output);
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

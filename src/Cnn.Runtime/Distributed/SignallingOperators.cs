using Cnn.Backends;

namespace Cnn.Distributed;

// The operators with parameters, as GradientSignallingBackend makes them: the inner backend's operator, and after its
// Backward the signal that its weight and bias gradients are final. Everything else goes through unchanged.

/// <summary>A convolution that signals its weight and bias gradients after backward.</summary>
internal sealed class SignallingConv2dOperator(IConv2dOperator inner, GradientSignallingBackend backend) : IConv2dOperator
{
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output) => inner.Forward(batch, input, weight, bias, output);

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        inner.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
        backend.Signal(weightGradient);
        backend.Signal(biasGradient);
    }
}

/// <summary>A linear layer that signals its weight and bias gradients after backward.</summary>
internal sealed class SignallingLinearOperator(ILinearOperator inner, GradientSignallingBackend backend) : ILinearOperator
{
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output) => inner.Forward(batch, input, weight, bias, output);

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        inner.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
        backend.Signal(weightGradient);
        backend.Signal(biasGradient);
    }
}

/// <summary>A batch norm that signals its weight and bias gradients after backward.</summary>
internal sealed class SignallingBatchNormOperator(IBatchNormOperator inner, GradientSignallingBackend backend) : IBatchNormOperator
{
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training)
        => inner.Forward(batch, input, weight, bias, runningMean, runningVariance, batchesTracked, output, training);

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        inner.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
        backend.Signal(weightGradient);
        backend.Signal(biasGradient);
    }
}

namespace Cnn.Backends;

/// <summary>
/// A fused convolution step run as its layers, one after another, on the backend's own operators:
/// the convolution, then the batch norm in evaluation mode, then the activation, the last two in
/// place over the output. What <see cref="IBackend.CreateFusedConv2d"/> gives on a backend that does
/// not fuse, and the reference that fused kernels are tested against.
/// </summary>
public sealed class SequentialConv2dOperator : IFusedConv2dOperator, IDisposable
{
    private readonly IConv2dOperator _convolution;
    private readonly IBatchNormOperator? _batchNorm;
    private readonly IActivationOperator? _activation;

    /// <param name="backend">The backend whose operators run each layer.</param>
    /// <param name="geometry">The convolution.</param>
    /// <param name="epilogue">What follows it.</param>
    public SequentialConv2dOperator(IBackend backend, in Conv2dGeometry geometry, in Epilogue epilogue)
    {
        GeometryChecks.Validate(geometry, epilogue);
        _convolution = backend.CreateConv2d(geometry);
        if (epilogue.BatchNorm is { } norm) _batchNorm = backend.CreateBatchNorm(norm);
        if (epilogue.Activation is { } activation) _activation = backend.CreateActivation(activation);
    }

    /// <inheritdoc/>
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, in BatchNormTensors batchNorm, Tensor output)
    {
        _convolution.Forward(batch, input, weight, bias, output);
        _batchNorm?.Forward(batch, output, batchNorm.Weight, batchNorm.Bias, batchNorm.RunningMean, batchNorm.RunningVariance, default, output, training: false);
        _activation?.Forward(batch, output, output);
    }

    /// <summary>Frees the layers' operators.</summary>
    public void Dispose()
    {
        (_convolution as IDisposable)?.Dispose();
        (_batchNorm as IDisposable)?.Dispose();
        (_activation as IDisposable)?.Dispose();
    }
}

namespace Cnn.Backends;

/// <summary>
/// A fused convolution step run as its layers, one after another, on the backend's own operators:
/// the convolution, then the batch norm in evaluation mode, then the activation, the last two in
/// place over the output, then the pool into the step's output. What <see cref="IBackend.CreateFusedConv2d"/> gives on a backend that does
/// not fuse, and the reference that fused kernels are tested against.
/// </summary>
public sealed class SequentialConv2dOperator : IFusedConv2dOperator, IDisposable
{
    private readonly IConv2dOperator _convolution;
    private readonly IBatchNormOperator? _batchNorm;
    private readonly IActivationOperator? _activation;
    private readonly IPool2dOperator? _pool;

    /// <param name="backend">The backend whose operators run each layer.</param>
    /// <param name="geometry">The convolution.</param>
    /// <param name="epilogue">What follows it.</param>
    public SequentialConv2dOperator(IBackend backend, in Conv2dGeometry geometry, in Epilogue epilogue)
    {
        GeometryChecks.Validate(geometry, epilogue);
        _convolution = backend.CreateConv2d(geometry);
        if (epilogue.BatchNorm is { } norm) _batchNorm = backend.CreateBatchNorm(norm);
        if (epilogue.Activation is { } activation) _activation = backend.CreateActivation(activation);
        if (epilogue.Pool is { } pool) _pool = backend.CreatePool2d(pool);
    }

    /// <inheritdoc/>
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, in BatchNormTensors batchNorm, Tensor output, Tensor unpooled = default)
    {
        if (_pool is not null && unpooled.IsEmpty) throw new ArgumentException("A fused convolution with a pool needs the unpooled tensor to convolve into.", nameof(unpooled));
        Tensor convolved = _pool is null ? output : unpooled;
        _convolution.Forward(batch, input, weight, bias, convolved);
        _batchNorm?.Forward(batch, convolved, batchNorm.Weight, batchNorm.Bias, batchNorm.RunningMean, batchNorm.RunningVariance, default, convolved, training: false);
        _activation?.Forward(batch, convolved, convolved);
        _pool?.Forward(batch, convolved, output);
    }

    /// <summary>Frees the layers' operators.</summary>
    public void Dispose()
    {
        (_convolution as IDisposable)?.Dispose();
        (_batchNorm as IDisposable)?.Dispose();
        (_activation as IDisposable)?.Dispose();
        (_pool as IDisposable)?.Dispose();
    }
}

namespace Cnn.Backends;

/// <summary>
/// A fused linear step run as its layers, one after another, on the backend's own operators: the
/// linear layer, then the activation in place over its output. What
/// <see cref="IBackend.CreateFusedLinear"/> gives on a backend that does not fuse, and the reference
/// that fused kernels are tested against.
/// </summary>
public sealed class SequentialLinearOperator : IFusedLinearOperator, IDisposable
{
    private readonly ILinearOperator _linear;
    private readonly IActivationOperator? _activation;

    /// <param name="backend">The backend whose operators run each layer.</param>
    /// <param name="geometry">The linear layer.</param>
    /// <param name="epilogue">What follows it: an activation (a batch norm cannot be folded into a linear layer here).</param>
    public SequentialLinearOperator(IBackend backend, in LinearGeometry geometry, in Epilogue epilogue)
    {
        GeometryChecks.Validate(geometry, epilogue);
        _linear = backend.CreateLinear(geometry);
        if (epilogue.Activation is { } activation) _activation = backend.CreateActivation(activation);
    }

    /// <inheritdoc/>
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        _linear.Forward(batch, input, weight, bias, output);
        _activation?.Forward(batch, output, output);
    }

    /// <summary>Frees the layers' operators.</summary>
    public void Dispose()
    {
        (_linear as IDisposable)?.Dispose();
        (_activation as IDisposable)?.Dispose();
    }
}

using Cnn.Backends;

namespace Cnn.Distributed;

/// <summary>
/// A backend whose operators with parameters (convolution, linear, batch norm) tell <see cref="Listener"/>, after
/// each backward, that their weight and bias gradients are final; everything else is <see cref="BackendDecorator.Inner"/>'s. Build
/// the network on it to let data-parallel <see cref="Training.FitOptions.Distributed"/> training all-reduce the
/// gradients in buckets that start while backward goes on (as PyTorch DDP does), instead of in one all-reduce after
/// it; <c>Fit</c> attaches its listener for each backward pass. Results are the same either way.
/// </summary>
/// <remarks>
/// With synchronized batch norm, put this backend outside: <c>new GradientSignallingBackend(new
/// SynchronizedBatchNormBackend(cpu, world))</c>. No generated code changes: the gradient tensors an operator's
/// backward receives are slices of the network's gradient buffer, so they say which range is final. A frozen
/// parameter's backward gets an empty gradient and signals nothing. Disposing this backend disposes nothing.
/// Fused steps pass through to the inner backend: they are forward only, and backward runs the layers' own operators, which signal.
/// </remarks>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
/// using var network = new ResNet18(32, new GradientSignallingBackend(cpu));
/// network.Fit(train, validation, options with { Distributed = world });
/// </code>
/// </example>
public sealed class GradientSignallingBackend : BackendDecorator
{
    /// <param name="inner">The backend that runs everything.</param>
    public GradientSignallingBackend(IBackend inner) : base(inner)
    {
    }

    /// <summary>Who is told about final gradients; null (nobody) outside a data-parallel backward pass.</summary>
    public IGradientListener? Listener { get; set; }

    /// <summary>The inner backend's name, marked: e.g. "cpu+signal".</summary>
    public override string Name => Inner.Name + "+signal";

    /// <summary>The inner backend's batch norm, signalling its weight and bias gradients after each backward.</summary>
    /// <exception cref="NotSupportedException">The inner backend has no batch norm.</exception>
    public override IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry) => new SignallingBatchNormOperator(Inner.CreateBatchNorm(geometry), this);

    /// <summary>The inner backend's convolution, signalling its weight and bias gradients after each backward.</summary>
    public override IConv2dOperator CreateConv2d(in Conv2dGeometry geometry) => new SignallingConv2dOperator(Inner.CreateConv2d(geometry), this);

    /// <summary>The inner backend's linear layer, signalling its weight and bias gradients after each backward.</summary>
    public override ILinearOperator CreateLinear(in LinearGeometry geometry) => new SignallingLinearOperator(Inner.CreateLinear(geometry), this);

    /// <summary>Tells the listener, if any, that <paramref name="gradient"/> is final; an empty one (a frozen parameter's, or no bias) says nothing.</summary>
    internal void Signal(Tensor gradient)
    {
        if (!gradient.IsEmpty && Listener is { } listener) listener.Ready(gradient);
    }
}

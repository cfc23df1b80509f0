using Cnn.Backends;

namespace Cnn.Distributed;

/// <summary>
/// A backend whose operators with parameters (convolution, linear, batch norm) tell <see cref="Listener"/>, after
/// each backward, that their weight and bias gradients are final; everything else is <see cref="Inner"/>'s. Build
/// the network on it to let data-parallel <see cref="Training.FitOptions.Distributed"/> training all-reduce the
/// gradients in buckets that start while backward goes on (as PyTorch DDP does), instead of in one all-reduce after
/// it; <c>Fit</c> attaches its listener for each backward pass. Results are the same either way.
/// </summary>
/// <remarks>
/// With synchronized batch norm, put this backend outside: <c>new GradientSignallingBackend(new
/// SynchronizedBatchNormBackend(cpu, world))</c>. No generated code changes: the gradient tensors an operator's
/// backward receives are slices of the network's gradient buffer, so they say which range is final. A frozen
/// parameter's backward gets an empty gradient and signals nothing. Disposing this backend disposes nothing.
/// </remarks>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
/// using var network = new ResNet18(32, new GradientSignallingBackend(cpu));
/// network.Fit(train, validation, options with { Distributed = world });
/// </code>
/// </example>
public sealed class GradientSignallingBackend : IBackend
{
    /// <param name="inner">The backend that runs everything.</param>
    public GradientSignallingBackend(IBackend inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The backend that runs everything.</summary>
    public IBackend Inner { get; }

    /// <summary>Who is told about final gradients; null (nobody) outside a data-parallel backward pass.</summary>
    public IGradientListener? Listener { get; set; }

    /// <summary>The inner backend's name, marked: e.g. "cpu+signal".</summary>
    public string Name => Inner.Name + "+signal";

    /// <summary>The inner backend's batch norm, signalling its weight and bias gradients after each backward.</summary>
    /// <exception cref="NotSupportedException">The inner backend has no batch norm.</exception>
    public IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry) => new SignallingBatchNormOperator(Inner.CreateBatchNorm(geometry), this);

    /// <inheritdoc/>
    public DeviceBuffer Allocate(long length) => Inner.Allocate(length);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, Tensor destination) => Inner.Upload(source, destination);

    /// <inheritdoc/>
    public void Download(Tensor source, Span<float> destination) => Inner.Download(source, destination);

    /// <inheritdoc/>
    public void Fill(Tensor destination, float value) => Inner.Fill(destination, value);

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor destination) => Inner.Copy(source, destination);

    /// <summary>The inner backend's convolution, signalling its weight and bias gradients after each backward.</summary>
    public IConv2dOperator CreateConv2d(in Conv2dGeometry geometry) => new SignallingConv2dOperator(Inner.CreateConv2d(geometry), this);

    /// <summary>The inner backend's linear layer, signalling its weight and bias gradients after each backward.</summary>
    public ILinearOperator CreateLinear(in LinearGeometry geometry) => new SignallingLinearOperator(Inner.CreateLinear(geometry), this);

    /// <inheritdoc/>
    public IPool2dOperator CreatePool2d(in Pool2dGeometry geometry) => Inner.CreatePool2d(geometry);

    /// <inheritdoc/>
    public IActivationOperator CreateActivation(in ActivationGeometry geometry) => Inner.CreateActivation(geometry);

    /// <inheritdoc/>
    public IDropoutOperator CreateDropout(in DropoutGeometry geometry) => Inner.CreateDropout(geometry);

    /// <summary>The inner backend's fusions: forward only (a fused step's backward is its layers' own operators, which signal).</summary>
    public FusedOperators FusedOperators => Inner.FusedOperators;

    /// <inheritdoc/>
    public IFusedConv2dOperator CreateFusedConv2d(in Conv2dGeometry geometry, in Epilogue epilogue) => Inner.CreateFusedConv2d(geometry, epilogue);

    /// <inheritdoc/>
    public IFusedLinearOperator CreateFusedLinear(in LinearGeometry geometry, in Epilogue epilogue) => Inner.CreateFusedLinear(geometry, epilogue);

    /// <inheritdoc/>
    public void Add(Tensor a, Tensor b, Tensor output) => Inner.Add(a, b, output);

    /// <inheritdoc/>
    public void CopyStrided(int count, int length, Tensor source, int sourceStride, Tensor destination, int destinationStride)
        => Inner.CopyStrided(count, length, source, sourceStride, destination, destinationStride);

    /// <inheritdoc/>
    public float SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient)
        => Inner.SoftmaxCrossEntropy(batch, classes, logits, labels, gradient);

    /// <inheritdoc/>
    public float NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient)
        => Inner.NllLoss(batch, classes, logProbabilities, labels, gradient);

    /// <inheritdoc/>
    public float ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient)
        => Inner.ProbabilityCrossEntropy(batch, classes, probabilities, labels, gradient);

    /// <inheritdoc/>
    public float AddPenalty(Tensor parameters, Tensor gradients, float l1, float l2) => Inner.AddPenalty(parameters, gradients, l1, l2);

    /// <inheritdoc/>
    public void SgdStep(Tensor parameters, Tensor gradients, Tensor velocity, in SgdStepSettings settings) => Inner.SgdStep(parameters, gradients, velocity, settings);

    /// <inheritdoc/>
    public void AdamStep(Tensor parameters, Tensor gradients, Tensor firstMoment, Tensor secondMoment, in AdamStepSettings settings)
        => Inner.AdamStep(parameters, gradients, firstMoment, secondMoment, settings);

    /// <summary>Does nothing: the inner backend belongs to whoever created it.</summary>
    public void Dispose()
    {
    }

    /// <summary>Tells the listener, if any, that <paramref name="gradient"/> is final; an empty one (a frozen parameter's, or no bias) says nothing.</summary>
    internal void Signal(Tensor gradient)
    {
        if (!gradient.IsEmpty && Listener is { } listener) listener.Ready(gradient);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Distributed;

/// <summary>
/// A backend whose batch norms synchronize their training statistics over <see cref="Group"/>
/// (PyTorch's <c>SyncBatchNorm</c>); everything else is <see cref="Inner"/>'s. Build the network on it, as
/// PyTorch converts a model with <c>SyncBatchNorm.convert_sync_batchnorm</c> before wrapping it in DDP,
/// and train it with the same group as <see cref="Training.FitOptions.Distributed"/>. With synchronized
/// statistics, W ranks of batch B train as one process of batch W·B does, batch norm included.
/// </summary>
/// <remarks>
/// On the CPU backend the synchronized operator is the backend's own kernel (fast or reference) with the
/// all-reduces between its passes. On any other backend (CUDA) it computes on host copies of the tensors
/// with the reference kernel (see <see cref="Backends.Cpu.Reference.BatchNormReference"/>), through
/// Download and Upload (so not inside a captured CUDA graph). Evaluation uses the running statistics and
/// <see cref="Inner"/>'s own operator, with no communication. Every training forward and backward is
/// collective: all ranks must run it, with the same layers. With one rank the backend's own operator is used.
/// Disposing this backend disposes nothing: <see cref="Inner"/> stays its creator's to dispose.
/// </remarks>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
/// using var network = new ResNet18(32, new SynchronizedBatchNormBackend(cpu, world));
/// network.Fit(train, validation, options with { Distributed = world });
/// </code>
/// </example>
public sealed class SynchronizedBatchNormBackend : IBackend
{
    /// <param name="inner">The backend that runs everything, and batch norm in evaluation.</param>
    /// <param name="group">The ranks whose batches form one batch for the statistics.</param>
    public SynchronizedBatchNormBackend(IBackend inner, ICollectives group)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(group);
        Inner = inner;
        Group = group;
    }

    /// <summary>The backend that runs everything but the synchronized training batch norm.</summary>
    public IBackend Inner { get; }

    /// <summary>The ranks over which batch statistics are summed.</summary>
    public ICollectives Group { get; }

    /// <summary>The inner backend's name, marked: e.g. "cpu+syncbn".</summary>
    public string Name => Inner.Name + "+syncbn";

    /// <summary>A batch norm that all-reduces its statistics in training; with one rank, the inner backend's own.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    public IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        if (Group.WorldSize == 1) return Inner.CreateBatchNorm(geometry);
        return Inner is CpuBackend cpu ? cpu.CreateBatchNorm(geometry, Group) : new SynchronizedBatchNormOperator(Inner, geometry, Group);
    }

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

    /// <inheritdoc/>
    public IConv2dOperator CreateConv2d(in Conv2dGeometry geometry) => Inner.CreateConv2d(geometry);

    /// <inheritdoc/>
    public ILinearOperator CreateLinear(in LinearGeometry geometry) => Inner.CreateLinear(geometry);

    /// <inheritdoc/>
    public IPool2dOperator CreatePool2d(in Pool2dGeometry geometry) => Inner.CreatePool2d(geometry);

    /// <inheritdoc/>
    public IActivationOperator CreateActivation(in ActivationGeometry geometry) => Inner.CreateActivation(geometry);

    /// <inheritdoc/>
    public IDropoutOperator CreateDropout(in DropoutGeometry geometry) => Inner.CreateDropout(geometry);

    /// <summary>The inner backend's fusions: they fold batch norm only in inference, where nothing is synchronized.</summary>
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

    /// <summary>Does nothing: the inner backend and the group belong to whoever created them.</summary>
    public void Dispose()
    {
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Distributed;

/// <summary>
/// A backend whose batch norms synchronize their training statistics over <see cref="Group"/>
/// (PyTorch's <c>SyncBatchNorm</c>); everything else is <see cref="BackendDecorator.Inner"/>'s. Build the network on it, as
/// PyTorch converts a model with <c>SyncBatchNorm.convert_sync_batchnorm</c> before wrapping it in DDP,
/// and train it with the same group as <see cref="Training.FitOptions.Distributed"/>. With synchronized
/// statistics, W ranks of batch B train as one process of batch W·B does, batch norm included.
/// </summary>
/// <remarks>
/// On the CPU backend the synchronized operator is the backend's own kernel (fast or reference) with the
/// all-reduces between its passes. On any other backend (CUDA) it computes on host copies of the tensors
/// with the reference kernel (see <see cref="Backends.Cpu.Reference.BatchNormReference"/>), through
/// Download and Upload (so not inside a captured CUDA graph). Evaluation uses the running statistics and
/// <see cref="BackendDecorator.Inner"/>'s own operator, with no communication. Every training forward and backward is
/// collective: all ranks must run it, with the same layers. With one rank the backend's own operator is used.
/// The inner backend's fused steps pass through: they fold batch norm only in inference, where nothing is synchronized.
/// Disposing this backend disposes nothing: <see cref="BackendDecorator.Inner"/> stays its creator's to dispose.
/// </remarks>
/// <example>
/// <code>
/// using var world = new MpiCollectives();
/// using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
/// using var network = new ResNet18(32, new SynchronizedBatchNormBackend(cpu, world));
/// network.Fit(train, validation, options with { Distributed = world });
/// </code>
/// </example>
public sealed class SynchronizedBatchNormBackend : BackendDecorator
{
    /// <param name="inner">The backend that runs everything, and batch norm in evaluation.</param>
    /// <param name="group">The ranks whose batches form one batch for the statistics.</param>
    public SynchronizedBatchNormBackend(IBackend inner, ICollectives group) : base(inner)
    {
        ArgumentNullException.ThrowIfNull(group);
        Group = group;
    }

    /// <summary>The ranks over which batch statistics are summed.</summary>
    public ICollectives Group { get; }

    /// <summary>The inner backend's name, marked: e.g. "cpu+syncbn".</summary>
    public override string Name => Inner.Name + "+syncbn";

    /// <summary>A batch norm that all-reduces its statistics in training; with one rank, the inner backend's own.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    public override IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        if (Group.WorldSize == 1) return Inner.CreateBatchNorm(geometry);
        return Inner is CpuBackend cpu ? cpu.CreateBatchNorm(geometry, Group) : new SynchronizedBatchNormOperator(Inner, geometry, Group);
    }
}

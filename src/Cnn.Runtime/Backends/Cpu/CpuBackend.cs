using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu;

/// <summary>
/// The CPU backend: host memory, and either the naive reference kernels or the fast SIMD kernels
/// split over a persistent pool of worker threads.
/// </summary>
/// <remarks>
/// Upload, Download and Copy follow <see cref="Span{T}.CopyTo(Span{T})"/>: the source is copied to
/// the start of a destination at least as long. Every call that writes a buffer from outside the
/// layers (Upload, Fill, Copy, Add, CopyStrided, the optimizer steps) bumps its
/// <see cref="DeviceBuffer.Version"/>, which tells the fast convolutions when to repack their weights. A backend and its operators are not thread-safe:
/// one network trains on one thread at a time.
/// </remarks>
public sealed class CpuBackend : IBackend
{
    private readonly Fast.WorkerPool? _pool;

    // The fast kernels' Add, shared over the workers (null for the reference kernels).
    private readonly Fast.ElementwiseSum? _sum;
    private readonly Fast.ParallelOptimizerSteps? _steps;

    /// <param name="kernels">Which kernels to run.</param>
    /// <param name="threads">Threads for the fast kernels, the caller's included; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="precision">The arithmetic of the fast kernels' matrix products; <see cref="MatrixPrecision.BFloat16"/> is opt-in (see there).</param>
    /// <exception cref="PlatformNotSupportedException"><see cref="MatrixPrecision.BFloat16"/> on a machine without AVX512_BF16 or not Linux x64.</exception>
    public CpuBackend(CpuKernels kernels = CpuKernels.Fast, int threads = 0, MatrixPrecision precision = MatrixPrecision.Single)
    {
        if (!Enum.IsDefined(kernels)) throw new ArgumentOutOfRangeException(nameof(kernels), kernels, "Unknown CPU kernel set.");
        if (!Enum.IsDefined(precision)) throw new ArgumentOutOfRangeException(nameof(precision), precision, "Unknown matrix precision.");
        if (precision == MatrixPrecision.BFloat16 && kernels != CpuKernels.Fast)
            throw new ArgumentException("bf16 matrix products are a mode of the fast kernels; the reference kernels are fp32 only.", nameof(precision));
        if (precision == MatrixPrecision.BFloat16 && Fast.Bf16Kernel.UnsupportedReason is { } reason) throw new PlatformNotSupportedException(reason);
        Precision = precision;
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Thread count must be 0 (all processors) or positive.");
        Kernels = kernels;
        Threads = kernels == CpuKernels.Reference ? 1 : threads == 0 ? Environment.ProcessorCount : threads;
        if (kernels == CpuKernels.Fast) _pool = new Fast.WorkerPool(Threads, precision == MatrixPrecision.BFloat16 ? Fast.GemmKernel.Bf16 : null);
        if (_pool is not null)
        {
            _sum = new Fast.ElementwiseSum(_pool);
            _steps = new Fast.ParallelOptimizerSteps(_pool);
        }
    }

    /// <summary>The arithmetic of the matrix products, chosen at construction.</summary>
    public MatrixPrecision Precision { get; }

    /// <inheritdoc/>
    public string Name => Kernels == CpuKernels.Reference ? "cpu-reference" : Precision == MatrixPrecision.BFloat16 ? "cpu-bf16" : "cpu";

    /// <summary>The kernel set chosen at construction.</summary>
    public CpuKernels Kernels { get; }

    /// <summary>Threads that the kernels use, the caller's included (1 for the reference kernels).</summary>
    public int Threads { get; }

    /// <summary>The fast operators' workers (tests build operators on it directly).</summary>
    internal Fast.WorkerPool Pool => _pool ?? throw new InvalidOperationException("The reference CPU backend has no worker pool.");

    /// <summary>The fast operators' shared scratch memory.</summary>
    internal Fast.CpuWorkspace Workspace => Pool.Workspace;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or beyond what one .NET array can hold.</exception>
    public DeviceBuffer Allocate(long length) => new CpuBuffer(length);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<float> source, Tensor destination)
    {
        Span<float> target = CpuTensor.Span(destination, source.Length, nameof(destination));
        source.CopyTo(target);
        destination.Buffer.MarkWritten();
    }

    /// <inheritdoc/>
    public void Download(Tensor source, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"Downloading {source.Length} floats needs a destination at least that long; it holds {destination.Length}.", nameof(destination));
        CpuTensor.Span(source, source.Length, nameof(source)).CopyTo(destination);
    }

    /// <inheritdoc/>
    public void Fill(Tensor destination, float value)
    {
        CpuTensor.Span(destination, destination.Length, nameof(destination)).Fill(value);
        destination.Buffer.MarkWritten();
    }

    /// <inheritdoc/>
    public void Copy(Tensor source, Tensor destination)
    {
        CpuTensor.Span(source, source.Length, nameof(source)).CopyTo(CpuTensor.Span(destination, source.Length, nameof(destination)));
        destination.Buffer.MarkWritten();
    }

    /// <inheritdoc/>
    public IConv2dOperator CreateConv2d(in Conv2dGeometry geometry) =>
        Kernels == CpuKernels.Fast ? new Fast.FastConv2dOperator(geometry, Pool) : new ReferenceConv2dOperator(geometry);

    /// <inheritdoc/>
    public ILinearOperator CreateLinear(in LinearGeometry geometry) =>
        Kernels == CpuKernels.Fast ? new Fast.FastLinearOperator(geometry, Pool) : new ReferenceLinearOperator(geometry);

    /// <inheritdoc/>
    public IPool2dOperator CreatePool2d(in Pool2dGeometry geometry) =>
        Kernels == CpuKernels.Fast ? new Fast.FastPool2dOperator(geometry, Pool) : new ReferencePool2dOperator(geometry);

    /// <inheritdoc/>
    public IActivationOperator CreateActivation(in ActivationGeometry geometry) =>
        Kernels == CpuKernels.Fast ? new Fast.FastActivationOperator(geometry, Pool) : new ReferenceActivationOperator(geometry);

    // Dropout's cost is drawing its mask, which must follow the reference's sequence: the fast kernels draw the same one over pointers.
    /// <inheritdoc/>
    public IDropoutOperator CreateDropout(in DropoutGeometry geometry) =>
        Kernels == CpuKernels.Fast ? new Fast.FastDropoutOperator(geometry) : new ReferenceDropoutOperator(geometry);

    /// <inheritdoc/>
    public IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry) =>
        Kernels == CpuKernels.Fast ? new Fast.FastBatchNormOperator(geometry, Pool) : new ReferenceBatchNormOperator(geometry);

    /// <summary>A batch norm whose training statistics are synchronized over <paramref name="group"/> (<see cref="Distributed.SynchronizedBatchNormBackend"/>).</summary>
    internal IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry, Distributed.ICollectives group) =>
        Kernels == CpuKernels.Fast ? new Fast.FastBatchNormOperator(geometry, Pool, group) : new ReferenceBatchNormOperator(geometry, group);

    /// <summary>The fast kernels fuse every epilogue; the reference kernels run each layer on its own.</summary>
    public FusedOperators FusedOperators => Kernels == CpuKernels.Fast
        ? FusedOperators.ConvolutionActivation | FusedOperators.ConvolutionBatchNorm | FusedOperators.LinearActivation | FusedOperators.ConvolutionPool
        : FusedOperators.None;

    /// <inheritdoc/>
    public IFusedConv2dOperator CreateFusedConv2d(in Conv2dGeometry geometry, in Epilogue epilogue) =>
        Kernels == CpuKernels.Fast ? new Fast.FastConv2dOperator(geometry, Pool, epilogue: epilogue) : new SequentialConv2dOperator(this, geometry, epilogue);

    /// <inheritdoc/>
    public IFusedLinearOperator CreateFusedLinear(in LinearGeometry geometry, in Epilogue epilogue) =>
        Kernels == CpuKernels.Fast ? new Fast.FastLinearOperator(geometry, Pool, epilogue) : new SequentialLinearOperator(this, geometry, epilogue);

    /// <inheritdoc/>
    public unsafe void Add(Tensor a, Tensor b, Tensor output)
    {
        int n = output.Length;
        if (_sum is not null)
        {
            _sum.Run(CpuTensor.Pointer(a, n, nameof(a)), CpuTensor.Pointer(b, n, nameof(b)), CpuTensor.Pointer(output, n, nameof(output)), n);
            output.Buffer.MarkWritten();
            return;
        }
        ReadOnlySpan<float> x = CpuTensor.Span(a, n, nameof(a)), y = CpuTensor.Span(b, n, nameof(b));
        Span<float> z = CpuTensor.Span(output, n, nameof(output));
        int i = 0;
        for (; i <= n - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
            (new System.Numerics.Vector<float>(x[i..]) + new System.Numerics.Vector<float>(y[i..])).CopyTo(z[i..]);
        for (; i < n; i++) z[i] = x[i] + y[i];
        output.Buffer.MarkWritten();
    }

    /// <inheritdoc/>
    public void CopyStrided(int count, int length, Tensor source, int sourceStride, Tensor destination, int destinationStride)
    {
        if (count < 0 || length < 0 || sourceStride < 0 || destinationStride < 0)
            throw new ArgumentOutOfRangeException(nameof(count), $"CopyStrided needs non-negative sizes; got count {count}, length {length}, strides {sourceStride} and {destinationStride}.");
        if (count == 0 || length == 0) return;
        Span<float> from = CpuTensor.Span(source, (long)(count - 1) * sourceStride + length, nameof(source));
        Span<float> to = CpuTensor.Span(destination, (long)(count - 1) * destinationStride + length, nameof(destination));
        for (int i = 0; i < count; i++) from.Slice(i * sourceStride, length).CopyTo(to.Slice(i * destinationStride, length));
        destination.Buffer.MarkWritten();
    }

    /// <inheritdoc/>
    public float SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient)
    {
        CheckLoss(batch, classes);
        long count = (long)batch * classes;
        return SoftmaxCrossEntropyReference.Compute<float>(batch, classes,
            CpuTensor.Span(logits, count, nameof(logits)), CpuTensor.Span(labels, batch, nameof(labels)), CpuTensor.Span(gradient, count, nameof(gradient)));
    }

    /// <inheritdoc/>
    public float NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient)
    {
        CheckLoss(batch, classes);
        long count = (long)batch * classes;
        return NllLossReference.Compute<float>(batch, classes,
            CpuTensor.Span(logProbabilities, count, nameof(logProbabilities)), CpuTensor.Span(labels, batch, nameof(labels)), CpuTensor.Span(gradient, count, nameof(gradient)));
    }

    /// <inheritdoc/>
    public float ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient)
    {
        CheckLoss(batch, classes);
        long count = (long)batch * classes;
        return ProbabilityCrossEntropyReference.Compute<float>(batch, classes,
            CpuTensor.Span(probabilities, count, nameof(probabilities)), CpuTensor.Span(labels, batch, nameof(labels)), CpuTensor.Span(gradient, count, nameof(gradient)));
    }

    /// <inheritdoc/>
    public float AddPenalty(Tensor parameters, Tensor gradients, float l1, float l2)
    {
        Span<float> p = CpuTensor.Span(parameters, parameters.Length, nameof(parameters));
        Span<float> g = CpuTensor.Span(gradients, parameters.Length, nameof(gradients));
        gradients.Buffer.MarkWritten();
        return Kernels == CpuKernels.Fast ? Fast.FastOptimizers.AddPenalty(p, g, l1, l2) : PenaltyReference.Add<float>(p, g, l1, l2);
    }

    /// <inheritdoc/>
    public unsafe void SgdStep(Tensor parameters, Tensor gradients, Tensor velocity, in SgdStepSettings settings)
    {
        int n = parameters.Length;
        Span<float> p = CpuTensor.Span(parameters, n, nameof(parameters));
        Span<float> g = CpuTensor.Span(gradients, n, nameof(gradients));
        Span<float> v = settings.Momentum != 0f ? CpuTensor.Span(velocity, n, nameof(velocity)) : default;
        if (_steps is not null)
            _steps.Sgd(CpuTensor.Pointer(parameters, n, nameof(parameters)), CpuTensor.Pointer(gradients, n, nameof(gradients)),
                settings.Momentum != 0f ? CpuTensor.Pointer(velocity, n, nameof(velocity)) : null, n, settings);
        else SgdReference.Step<float>(p, g, v, settings);
        parameters.Buffer.MarkWritten();
    }

    /// <inheritdoc/>
    public unsafe void AdamStep(Tensor parameters, Tensor gradients, Tensor firstMoment, Tensor secondMoment, in AdamStepSettings settings)
    {
        int n = parameters.Length;
        Span<float> p = CpuTensor.Span(parameters, n, nameof(parameters));
        Span<float> g = CpuTensor.Span(gradients, n, nameof(gradients));
        Span<float> m = CpuTensor.Span(firstMoment, n, nameof(firstMoment));
        Span<float> v = CpuTensor.Span(secondMoment, n, nameof(secondMoment));
        if (_steps is not null)
            _steps.Adam(CpuTensor.Pointer(parameters, n, nameof(parameters)), CpuTensor.Pointer(gradients, n, nameof(gradients)),
                CpuTensor.Pointer(firstMoment, n, nameof(firstMoment)), CpuTensor.Pointer(secondMoment, n, nameof(secondMoment)), n, settings);
        else AdamReference.Step<float>(p, g, m, v, settings);
        parameters.Buffer.MarkWritten();
    }

    /// <summary>Stops the worker threads; the backend and its operators are unusable afterwards.</summary>
    public void Dispose() => _pool?.Dispose();

    private static void CheckLoss(int batch, int classes)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A loss needs at least one sample.");
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "A loss needs at least one class.");
    }
}

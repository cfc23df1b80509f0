using System.Numerics;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// ReLU, LeakyReLU, SiLU and GELU as SIMD loops; Tanh, Sigmoid, Softmax and LogSoftmax through the
/// reference kernels, which are cheap next to the layers around them. ReLU and LeakyReLU, with or
/// without their compact masks, split calls of at least <see cref="WorkerPool.ParallelElements"/> floats over
/// the workers (fixed shares: of the samples for the masks, whose words each sample owns, else of
/// 16-float blocks), each element computed alone, so the results never depend on the thread count.
/// </summary>
internal sealed unsafe class FastActivationOperator : IActivationOperator, IParallelWork
{
    private enum Work { Forward, Backward, ForwardSavingMask, BackwardFromMask }

    private readonly ActivationGeometry _g;
    private readonly WorkerPool? _pool;

    // The call in flight, read by the workers.
    private Work _work;
    private int _batch;
    private long _count;
    private float* _x, _y, _dy, _dx;
    private uint* _mask;

    /// <param name="geometry">The layer's shapes.</param>
    /// <param name="pool">The workers that share large ReLU calls; null: the calling thread alone.</param>
    public FastActivationOperator(in ActivationGeometry geometry, WorkerPool? pool = null)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _pool = pool;
    }

    public void Forward(int batch, Tensor input, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        int count = batch * _g.Features;
        Span<float> x = CpuTensor.Span(input, count, nameof(input)), y = CpuTensor.Span(output, count, nameof(output));
        if (_g.Kind == ActivationKind.SiLU)
        {
            FastSmoothActivations.SiluForward(x, y);
            return;
        }
        if (_g.Kind == ActivationKind.GELU)
        {
            FastSmoothActivations.GeluForward(x, y);
            return;
        }
        if (_g.Kind is not (ActivationKind.ReLU or ActivationKind.LeakyReLU))
        {
            ActivationReference.Forward<float>(_g.Kind, batch, _g.Features, x, y, _g.NegativeSlope);
            return;
        }

        _x = CpuTensor.Pointer(input, count, nameof(input));
        _y = CpuTensor.Pointer(output, count, nameof(output));
        Dispatch(Work.Forward, batch, count);
    }

    // ReLU is LeakyReLU with slope 0. Select on x < 0 rather than Max, so that a NaN passes through as the reference's (and PyTorch's) does.
    private static void ForwardRange(float* x, float* y, long first, long end, float slope)
    {
        var vslope = new Vector<float>(slope);
        long i = first;
        for (; i <= end - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = Vector.Load(x + i);
            Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), slope == 0f ? Vector<float>.Zero : v * vslope, v).Store(y + i);
        }
        for (; i < end; i++) y[i] = x[i] < 0f ? (slope == 0f ? 0f : x[i] * slope) : x[i];
    }

    private static void BackwardRange(float* y, float* dy, float* dx, long first, long end, float slope, bool leaky)
    {
        var vslope = new Vector<float>(slope);
        long i = first;
        for (; i <= end - Vector<float>.Count; i += Vector<float>.Count)
        {
            var active = Vector.GreaterThan(Vector.Load(y + i), Vector<float>.Zero);
            var g = Vector.Load(dy + i);
            Vector.ConditionalSelect(active, g, leaky ? g * vslope : Vector<float>.Zero).Store(dx + i);
        }
        for (; i < end; i++) dx[i] = y[i] > 0f ? dy[i] : leaky ? dy[i] * slope : 0f;
    }

    /// <summary>Runs the call set up in the fields on the workers when it is large enough, else here.</summary>
    private void Dispatch(Work work, int batch, long count)
    {
        _work = work;
        _batch = batch;
        _count = count;
        int workers = _pool is null || count < WorkerPool.ParallelElements ? 1 : work is Work.ForwardSavingMask or Work.BackwardFromMask ? Math.Min(_pool.Threads, batch) : _pool.Threads;
        if (workers <= 1) ((IParallelWork)this).Execute(0, 1);
        else _pool!.Run(this, workers);
    }

    /// <summary>A worker's share of the call: its samples for the masks, else its 16-float blocks.</summary>
    void IParallelWork.Execute(int worker, int workers)
    {
        if (_work is Work.ForwardSavingMask or Work.BackwardFromMask)
        {
            (int s0, int s1) = WorkerPool.Share(_batch, worker, workers);
            if (s0 >= s1) return;
            long at = (long)s0 * _g.Features, words = (long)s0 * CompactMasks.ActivationMaskFloats(_g.Features);
            if (_work == Work.ForwardSavingMask) ActivationMasks.Forward(s1 - s0, _g.Features, Slope, _x + at, _y + at, _mask + words);
            else ActivationMasks.Backward(s1 - s0, _g.Features, Slope, _mask + words, _dy + at, _dx + at);
            return;
        }
        (long first, long end) = WorkerPool.ShareBlocks(_count, worker, workers);
        if (first >= end) return;
        if (_work == Work.Forward) ForwardRange(_x, _y, first, end, Slope);
        else BackwardRange(_y, _dy, _dx, first, end, Slope, _g.Kind == ActivationKind.LeakyReLU);
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        int count = batch * _g.Features;
        if (_g.Kind is ActivationKind.SiLU or ActivationKind.GELU)
        {
            Span<float> x = CpuTensor.Span(input, count, nameof(input));
            Span<float> g = CpuTensor.Span(outputGradient, count, nameof(outputGradient)), d = CpuTensor.Span(inputGradient, count, nameof(inputGradient));
            if (_g.Kind == ActivationKind.SiLU) FastSmoothActivations.SiluBackward(x, g, d);
            else FastSmoothActivations.GeluBackward(x, g, d);
            return;
        }
        Span<float> y = CpuTensor.Span(output, count, nameof(output));
        Span<float> dy = CpuTensor.Span(outputGradient, count, nameof(outputGradient));
        Span<float> dx = CpuTensor.Span(inputGradient, count, nameof(inputGradient));
        bool leaky = _g.Kind == ActivationKind.LeakyReLU;
        if (!(_g.Kind == ActivationKind.ReLU || leaky && _g.NegativeSlope >= 0f))
        {
            ActivationReference.Backward<float>(_g.Kind, batch, _g.Features, CpuTensor.OptionalSpan(input, count, nameof(input)), y, dy, dx, _g.NegativeSlope);
            return;
        }
        _y = CpuTensor.Pointer(output, count, nameof(output));
        _dy = CpuTensor.Pointer(outputGradient, count, nameof(outputGradient));
        _dx = CpuTensor.Pointer(inputGradient, count, nameof(inputGradient));
        Dispatch(Work.Backward, batch, count);
    }

    public void ForwardSavingMask(int batch, Tensor input, Tensor output, Tensor mask)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequireActivationMask(_g.Kind, _g.NegativeSlope);
        long count = (long)batch * _g.Features;
        _x = CpuTensor.Pointer(input, count, nameof(input));
        _y = CpuTensor.Pointer(output, count, nameof(output));
        _mask = MaskPointer(mask, batch);
        Dispatch(Work.ForwardSavingMask, batch, count);
    }

    public void BackwardFromMask(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequireActivationMask(_g.Kind, _g.NegativeSlope);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        _mask = MaskPointer(mask, batch);
        _dy = CpuTensor.Pointer(outputGradient, count, nameof(outputGradient));
        _dx = CpuTensor.Pointer(inputGradient, count, nameof(inputGradient));
        Dispatch(Work.BackwardFromMask, batch, count);
    }

    private float Slope => _g.Kind == ActivationKind.ReLU ? 0f : _g.NegativeSlope;

    private uint* MaskPointer(Tensor mask, int batch) => (uint*)CpuTensor.Pointer(mask, (long)batch * CompactMasks.ActivationMaskFloats(_g.Features), nameof(mask));
}

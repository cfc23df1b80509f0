using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A fully connected layer as three GEMMs: y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x, each split over the
/// pool. A forward pass over a few samples (batch-1 inference) skips the GEMM: packing W for a
/// product with one row reads and writes all of W to compute one dot product per row, so it takes
/// the dot products straight from W's rows instead, split over the workers by output features.
/// As a fused operator, each worker applies the activation to its share of features as it finishes
/// them on that path, and the GEMM path applies it to the output right after the GEMM.
/// </summary>
internal sealed unsafe class FastLinearOperator : ILinearOperator, IFusedLinearOperator, IParallelWork
{
    /// <summary>Batches up to this size take the dot-product path forward.</summary>
    internal const int DotBatch = 4;

    /// <summary>Below this many weights the dot-product path stays on the calling thread.</summary>
    private const int ParallelWeights = 1 << 16;

    private readonly LinearGeometry _g;
    private readonly WorkerPool _pool;
    private readonly ParallelGemm _gemm;
    private readonly ChannelEpilogue? _epilogue;
    private ChannelEpilogue? _callEpilogue;

    // The dot-product call in flight, read by the workers.
    private int _batch;
    private float* _x, _w, _b, _y;

    /// <param name="geometry">The layer's shapes.</param>
    /// <param name="pool">The backend's workers.</param>
    /// <param name="epilogue">The activation the fused Forward applies; <see cref="Epilogue.None"/> for a plain layer.</param>
    public FastLinearOperator(in LinearGeometry geometry, WorkerPool pool, in Epilogue epilogue = default)
    {
        GeometryChecks.Validate(geometry, epilogue);
        if (epilogue != Epilogue.None) _epilogue = new ChannelEpilogue(geometry.OutFeatures, epilogue);
        _g = geometry;
        _pool = pool;
        int most = Math.Max(geometry.MaxBatch, Math.Max(geometry.InFeatures, geometry.OutFeatures));
        _gemm = new ParallelGemm(pool, most, most, most);
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        _callEpilogue = null;
        Run(batch, input, weight, bias, output);
    }

    /// <summary>The fused forward: output = activation(input · weightᵀ + bias).</summary>
    void IFusedLinearOperator.Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        _callEpilogue = _epilogue ?? throw new InvalidOperationException("This linear layer was created without an epilogue; create it with IBackend.CreateFusedLinear.");
        Run(batch, input, weight, bias, output);
    }

    private void Run(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        float* x = CpuTensor.Pointer(input, (long)batch * _g.InFeatures, nameof(input));
        float* w = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        float* b = _g.HasBias ? CpuTensor.Pointer(bias, _g.OutFeatures, nameof(bias)) : null;
        float* y = CpuTensor.Pointer(output, (long)batch * _g.OutFeatures, nameof(output));
        if (batch == 0) return;

        if (batch <= DotBatch && Vector256.IsHardwareAccelerated)
        {
            _batch = batch;
            _x = x;
            _w = w;
            _b = b;
            _y = y;
            int workers = _g.WeightSize >= ParallelWeights ? Math.Min(_pool.Threads, (_g.OutFeatures + 7) / 8) : 1;
            _pool.Run(this, workers);
            return;
        }

        if (b != null)
            for (int n = 0; n < batch; n++) new ReadOnlySpan<float>(b, _g.OutFeatures).CopyTo(new Span<float>(y + (long)n * _g.OutFeatures, _g.OutFeatures));
        _gemm.Multiply(batch, _g.OutFeatures, _g.InFeatures, x, _g.InFeatures, false, w, _g.InFeatures, true, y, _g.OutFeatures, accumulate: b != null);
        _callEpilogue?.ApplyActivation(y, batch * _g.OutFeatures);
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        // Output features in blocks of 8, so that shares stay aligned to the four-row kernel.
        (int start, int end) = WorkerPool.Share((_g.OutFeatures + 7) / 8, worker, workers);
        int o0 = start * 8, o1 = Math.Min(_g.OutFeatures, end * 8);
        for (int n = 0; n < _batch; n++)
        {
            DotRows.Run(_x + (long)n * _g.InFeatures, _w, _b, _y + (long)n * _g.OutFeatures, _g.InFeatures, o0, o1);
            if (o1 > o0) _callEpilogue?.ApplyActivation(_y + (long)n * _g.OutFeatures + o0, o1 - o0);
        }
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        float* x = CpuTensor.Pointer(input, (long)batch * _g.InFeatures, nameof(input));
        float* w = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        float* dy = CpuTensor.Pointer(outputGradient, (long)batch * _g.OutFeatures, nameof(outputGradient));
        float* dx = CpuTensor.OptionalPointer(inputGradient, (long)batch * _g.InFeatures, nameof(inputGradient));
        float* dw = CpuTensor.OptionalPointer(weightGradient, _g.WeightSize, nameof(weightGradient));
        float* db = _g.HasBias ? CpuTensor.OptionalPointer(biasGradient, _g.OutFeatures, nameof(biasGradient)) : null;

        if (dx != null)
            _gemm.Multiply(batch, _g.InFeatures, _g.OutFeatures, dy, _g.OutFeatures, false, w, _g.InFeatures, false, dx, _g.InFeatures, accumulate: false);
        if (dw != null)
            _gemm.Multiply(_g.OutFeatures, _g.InFeatures, batch, dy, _g.OutFeatures, true, x, _g.InFeatures, false, dw, _g.InFeatures, accumulate: false);
        if (db != null)
        {
            new Span<float>(db, _g.OutFeatures).Clear();
            for (int n = 0; n < batch; n++) RowOps.Add(dy + (long)n * _g.OutFeatures, db, _g.OutFeatures);
        }
    }
}

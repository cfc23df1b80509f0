namespace Cnn.Backends.Cpu.Fast;

/// <summary>A fully connected layer as three GEMMs: y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x, each split over the pool.</summary>
internal sealed unsafe class FastLinearOperator : ILinearOperator
{
    private readonly LinearGeometry _g;
    private readonly ParallelGemm _gemm;

    public FastLinearOperator(in LinearGeometry geometry, WorkerPool pool)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        int most = Math.Max(geometry.MaxBatch, Math.Max(geometry.InFeatures, geometry.OutFeatures));
        _gemm = new ParallelGemm(pool, most, most, most);
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        float* x = CpuTensor.Pointer(input, (long)batch * _g.InFeatures, nameof(input));
        float* w = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        float* b = _g.HasBias ? CpuTensor.Pointer(bias, _g.OutFeatures, nameof(bias)) : null;
        float* y = CpuTensor.Pointer(output, (long)batch * _g.OutFeatures, nameof(output));
        if (batch == 0) return;

        if (b != null)
            for (int n = 0; n < batch; n++) new ReadOnlySpan<float>(b, _g.OutFeatures).CopyTo(new Span<float>(y + (long)n * _g.OutFeatures, _g.OutFeatures));
        _gemm.Multiply(batch, _g.OutFeatures, _g.InFeatures, x, _g.InFeatures, false, w, _g.InFeatures, true, y, _g.OutFeatures, accumulate: b != null);
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        float* x = CpuTensor.Pointer(input, (long)batch * _g.InFeatures, nameof(input));
        float* w = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        float* dy = CpuTensor.Pointer(outputGradient, (long)batch * _g.OutFeatures, nameof(outputGradient));
        float* dx = CpuTensor.OptionalPointer(inputGradient, (long)batch * _g.InFeatures, nameof(inputGradient));
        float* dw = CpuTensor.Pointer(weightGradient, _g.WeightSize, nameof(weightGradient));
        float* db = _g.HasBias ? CpuTensor.Pointer(biasGradient, _g.OutFeatures, nameof(biasGradient)) : null;

        if (dx != null)
            _gemm.Multiply(batch, _g.InFeatures, _g.OutFeatures, dy, _g.OutFeatures, false, w, _g.InFeatures, false, dx, _g.InFeatures, accumulate: false);
        _gemm.Multiply(_g.OutFeatures, _g.InFeatures, batch, dy, _g.OutFeatures, true, x, _g.InFeatures, false, dw, _g.InFeatures, accumulate: false);
        if (db != null)
        {
            new Span<float>(db, _g.OutFeatures).Clear();
            for (int n = 0; n < batch; n++) RowOps.Add(dy + (long)n * _g.OutFeatures, db, _g.OutFeatures);
        }
    }
}

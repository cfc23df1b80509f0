namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Convolution as im2col + GEMM, one image at a time per worker: the batch is split into fixed,
/// contiguous shares, each worker unfolding its images into its own column buffer. The weights are
/// packed once per call, on the calling thread, and shared by all images. Groups become one GEMM per
/// group over that group's rows. A 1×1, stride-1, unpadded convolution skips the unfold. Weight and
/// bias gradients are summed per worker and reduced in worker order, so results depend only on the
/// thread count.
/// </summary>
internal sealed unsafe class FastConv2dOperator : IConv2dOperator, IParallelWork
{
    private readonly Conv2dGeometry _g;
    private readonly WorkerPool _pool;
    private readonly int _workers;
    private readonly GemmWorkspace[] _gemm;
    private readonly float[][] _columns;
    private readonly float[][] _weightPartials;
    private readonly float[][] _biasPartials;
    private readonly int _inGroup, _outGroup, _depth, _outPlane;
    private readonly bool _pointwise;
    private readonly GemmKernel _kernel = SgemmKernels.Best;

    // The weights, packed once per call for all images: W_g for the forward GEMM, W_gᵀ for the input gradient.
    private readonly float[] _packedWeights, _packedWeightsTransposed;
    private readonly int _packedGroup, _packedGroupTransposed;

    // The call in flight, read by the workers.
    private bool _backward;
    private int _batch;
    private float* _input, _weight, _bias, _output, _outputGradient, _inputGradient, _weightGradient, _biasGradient;

    public FastConv2dOperator(in Conv2dGeometry geometry, WorkerPool pool)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _pool = pool;
        _workers = Math.Min(pool.Threads, geometry.MaxBatch);
        _inGroup = _g.InChannels / _g.Groups;
        _outGroup = _g.OutChannels / _g.Groups;
        _depth = _inGroup * _g.KernelHeight * _g.KernelWidth;
        _outPlane = _g.OutHeight * _g.OutWidth;
        _pointwise = _g.KernelHeight == 1 && _g.KernelWidth == 1 && _g.StrideHeight == 1 && _g.StrideWidth == 1
                     && _g.PaddingHeight == 0 && _g.PaddingWidth == 0;

        // The three GEMMs per group: forward [outGroup × outPlane × depth], weight gradient
        // [outGroup × depth × outPlane], input gradient [depth × outPlane × outGroup].
        int maxM = Math.Max(_outGroup, _depth), maxN = Math.Max(_outPlane, _depth), maxK = Math.Max(_depth, Math.Max(_outPlane, _outGroup));
        _packedGroup = Sgemm.PackedASize(_kernel, _outGroup, _depth);
        _packedGroupTransposed = Sgemm.PackedASize(_kernel, _depth, _outGroup);
        _packedWeights = GC.AllocateUninitializedArray<float>(_g.Groups * _packedGroup, pinned: true);
        _packedWeightsTransposed = GC.AllocateUninitializedArray<float>(_g.Groups * _packedGroupTransposed, pinned: true);
        _gemm = new GemmWorkspace[_workers];
        _columns = new float[_workers][];
        _weightPartials = new float[_workers][];
        _biasPartials = new float[_workers][];
        long columnSize = _pointwise ? 0 : (long)_g.InChannels * _g.KernelHeight * _g.KernelWidth * _outPlane;
        for (int w = 0; w < _workers; w++)
        {
            _gemm[w] = new GemmWorkspace(_kernel, maxM, maxN, maxK);
            _columns[w] = GC.AllocateUninitializedArray<float>(checked((int)columnSize), pinned: true);
            _weightPartials[w] = w == 0 ? [] : GC.AllocateUninitializedArray<float>(_g.WeightSize, pinned: true);
            _biasPartials[w] = w == 0 ? [] : GC.AllocateUninitializedArray<float>(_g.OutChannels, pinned: true);
        }
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _weight = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        _bias = _g.HasBias ? CpuTensor.Pointer(bias, _g.OutChannels, nameof(bias)) : null;
        _output = CpuTensor.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        _batch = batch;
        _backward = false;
        fixed (float* packed = _packedWeights)
            for (int group = 0; group < _g.Groups; group++)
                Sgemm.PackA(_kernel, _outGroup, _depth, _weight + (long)group * _outGroup * _depth, _depth, false, packed + (long)group * _packedGroup);
        _pool.Run(this, Math.Min(_workers, batch));
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _weight = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        _outputGradient = CpuTensor.Pointer(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        _inputGradient = CpuTensor.OptionalPointer(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        _weightGradient = CpuTensor.Pointer(weightGradient, _g.WeightSize, nameof(weightGradient));
        _biasGradient = _g.HasBias ? CpuTensor.Pointer(biasGradient, _g.OutChannels, nameof(biasGradient)) : null;
        _batch = batch;
        _backward = true;
        if (_inputGradient != null)
            fixed (float* packed = _packedWeightsTransposed)
                for (int group = 0; group < _g.Groups; group++)
                    Sgemm.PackA(_kernel, _depth, _outGroup, _weight + (long)group * _outGroup * _depth, _depth, true, packed + (long)group * _packedGroupTransposed);
        int workers = Math.Max(1, Math.Min(_workers, batch));
        _pool.Run(this, workers);

        // Worker 0 summed straight into the gradients; add the others' sums in worker order.
        for (int w = 1; w < workers; w++)
        {
            fixed (float* partial = _weightPartials[w]) RowOps.Add(partial, _weightGradient, _g.WeightSize);
            if (_g.HasBias)
                fixed (float* partial = _biasPartials[w]) RowOps.Add(partial, _biasGradient, _g.OutChannels);
        }
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        (int first, int end) = WorkerPool.Share(_batch, worker, workers);
        if (_backward) BackwardShare(worker, first, end);
        else ForwardShare(worker, first, end);
    }

    private void ForwardShare(int worker, int first, int end)
    {
        GemmWorkspace ws = _gemm[worker];
        fixed (float* columnBuffer = _columns[worker], packedWeights = _packedWeights)
        {
            for (int n = first; n < end; n++)
            {
                float* image = _input + (long)n * _g.InputSize;
                float* output = _output + (long)n * _g.OutputSize;
                float* columns = _pointwise ? image : columnBuffer;
                if (!_pointwise) Im2Col.Unfold(_g, image, columns);
                for (int group = 0; group < _g.Groups; group++)
                {
                    Sgemm.MultiplyPacked(ws, _outGroup, _outPlane, _depth, packedWeights + (long)group * _packedGroup,
                        columns + (long)group * _depth * _outPlane, _outPlane, false,
                        output + (long)group * _outGroup * _outPlane, _outPlane, accumulate: false);
                }
                if (_bias != null)
                    for (int o = 0; o < _g.OutChannels; o++) RowOps.AddScalar(output + (long)o * _outPlane, _outPlane, _bias[o]);
            }
        }
    }

    private void BackwardShare(int worker, int first, int end)
    {
        GemmWorkspace ws = _gemm[worker];
        fixed (float* columnBuffer = _columns[worker], weightPartial = _weightPartials[worker], biasPartial = _biasPartials[worker],
               packedWeights = _packedWeightsTransposed)
        {
            float* weightGradient = worker == 0 ? _weightGradient : weightPartial;
            float* biasGradient = worker == 0 ? _biasGradient : biasPartial;
            if (first == end)
            {
                new Span<float>(weightGradient, _g.WeightSize).Clear();
                if (_g.HasBias) new Span<float>(biasGradient, _g.OutChannels).Clear();
                return;
            }

            for (int n = first; n < end; n++)
            {
                bool accumulate = n > first;
                float* image = _input + (long)n * _g.InputSize;
                float* outputGradient = _outputGradient + (long)n * _g.OutputSize;
                float* columns = _pointwise ? image : columnBuffer;
                if (!_pointwise) Im2Col.Unfold(_g, image, columns);

                if (_g.HasBias)
                    for (int o = 0; o < _g.OutChannels; o++)
                    {
                        float sum = RowOps.Sum(outputGradient + (long)o * _outPlane, _outPlane);
                        biasGradient[o] = accumulate ? biasGradient[o] + sum : sum;
                    }

                // dW_g (+)= dY_g · columns_gᵀ
                for (int group = 0; group < _g.Groups; group++)
                {
                    Sgemm.Multiply(ws, _outGroup, _depth, _outPlane,
                        outputGradient + (long)group * _outGroup * _outPlane, _outPlane, false,
                        columns + (long)group * _depth * _outPlane, _outPlane, true,
                        weightGradient + (long)group * _outGroup * _depth, _depth, accumulate);
                }

                if (_inputGradient == null) continue;

                // dColumns_g = W_gᵀ · dY_g, then fold back onto the image (the columns are no longer needed).
                float* inputGradient = _inputGradient + (long)n * _g.InputSize;
                float* target = _pointwise ? inputGradient : columnBuffer;
                for (int group = 0; group < _g.Groups; group++)
                {
                    Sgemm.MultiplyPacked(ws, _depth, _outPlane, _outGroup, packedWeights + (long)group * _packedGroupTransposed,
                        outputGradient + (long)group * _outGroup * _outPlane, _outPlane, false,
                        target + (long)group * _depth * _outPlane, _outPlane, accumulate: false);
                }
                if (!_pointwise)
                {
                    new Span<float>(inputGradient, _g.InputSize).Clear();
                    Im2Col.Fold(_g, columnBuffer, inputGradient);
                }
            }
        }
    }
}

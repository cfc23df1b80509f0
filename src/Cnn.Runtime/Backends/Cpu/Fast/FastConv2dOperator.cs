namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Convolution as im2col + GEMM. The batch is split into fixed, contiguous shares, one per worker,
/// and each worker unfolds a few images at a time side by side into its own column matrix, so that
/// one GEMM covers them all: small planes (6×6, 10×10) otherwise make GEMMs a few dozen columns
/// wide, and a weight gradient whose depth is one image's plane. The weights are packed once per
/// call, on the calling thread, and shared by all workers. Groups become one GEMM per group over
/// that group's rows. A 1×1, stride-1, unpadded convolution skips the unfold. A batch smaller than
/// the worker count (batch-1 inference) splits each image's GEMM instead, by rows of output
/// channels or by columns of output positions. Weight and bias gradients are summed per worker and
/// reduced in worker order, so results depend only on the thread count. A first layer's forward
/// pass (few input and output channels, stride 1) runs <see cref="DirectConvolution"/> instead.
/// Every buffer but the geometry comes from the backend's <see cref="CpuWorkspace"/>, shared with
/// the other layers.
/// </summary>
internal sealed unsafe class FastConv2dOperator : IConv2dOperator, IParallelWork
{
    /// <summary>Columns that one GEMM should have at least, when the batch allows it.</summary>
    private const int TargetColumns = 512;

    /// <summary>The most floats a worker's column matrix may hold (8 MB).</summary>
    private const long MaxColumnFloats = 2L << 20;

    /// <summary>Below this many multiply-adds per image, a small batch stays on the calling thread.</summary>
    private const long SplitImageMacs = 1_000_000;

    /// <summary>The most output channels per group whose weight gradient may be taken as dot products.</summary>
    private const int MaxDotRows = 64;

    private enum Work { Forward, UnfoldSplit, ForwardSplit, Direct, Backward }

    private readonly Conv2dGeometry _g;
    private readonly WorkerPool _pool;
    private readonly int _workers;
    private readonly CpuWorkspace _ws;
    private readonly int _inGroup, _outGroup, _depth, _outPlane, _chunk, _mr, _nr;
    private readonly bool _pointwise, _weightGradientByDots, _direct;
    private readonly GemmKernel _kernel = SgemmKernels.Best;

    // The weights, packed once per call for all images (workspace regions PackedWeights and
    // PackedWeightsTransposed): W_g for the forward GEMM, W_gᵀ for the input gradient.
    private readonly int _packedGroup, _packedGroupTransposed;

    // The call in flight, read by the workers.
    private Work _work;
    private bool _splitRows;
    private int _batch;
    private bool _splitPack;
    private float* _input, _weight, _bias, _output, _outputGradient, _inputGradient, _weightGradient, _biasGradient, _splitImage, _splitColumns, _splitOutput;

    // The shared packed-weight buffers of the call in flight. The calling thread takes them from the
    // workspace before any worker starts: a workspace slot may be (re)allocated on first use, so the
    // workers must never be the first to ask for a slot they share.
    private float* _packedWeights, _packedWeightsTransposed;

    public FastConv2dOperator(in Conv2dGeometry geometry, WorkerPool pool)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
        _pool = pool;
        _workers = pool.Threads;
        _inGroup = _g.InChannels / _g.Groups;
        _outGroup = _g.OutChannels / _g.Groups;
        _depth = _inGroup * _g.KernelHeight * _g.KernelWidth;
        _outPlane = _g.OutHeight * _g.OutWidth;
        _mr = SgemmKernels.Mr(_kernel);
        _nr = SgemmKernels.Nr(_kernel);
        _pointwise = _g.KernelHeight == 1 && _g.KernelWidth == 1 && _g.StrideHeight == 1 && _g.StrideWidth == 1
                     && _g.PaddingHeight == 0 && _g.PaddingWidth == 0;
        // A weight gradient that fills little of a GEMM tile (a first layer's 6×25 or 32×9) is a
        // few hundred dot products along the columns: packing both operands would cost more.
        _weightGradientByDots = (_outGroup < _mr || _depth < _nr) && _outGroup <= MaxDotRows;
        _direct = DirectConvolution.Applies(_g);

        // Images per GEMM: enough for TargetColumns, no more than a worker's share of the largest
        // batch, and a column matrix within MaxColumnFloats. A pointwise convolution reads its
        // input in place, one image at a time.
        long columnRows = (long)_g.InChannels * _g.KernelHeight * _g.KernelWidth;
        int share = (_g.MaxBatch + _workers - 1) / _workers;
        _chunk = _pointwise ? 1 : (int)Math.Clamp(Math.Min((TargetColumns + _outPlane - 1) / _outPlane, MaxColumnFloats / (columnRows * _outPlane)), 1, share);
        int columns = _chunk * _outPlane;

        // The three GEMMs per group: forward [outGroup × columns × depth], weight gradient
        // [outGroup × depth × columns], input gradient [depth × columns × outGroup].
        int maxM = Math.Max(_outGroup, _depth), maxN = Math.Max(columns, _depth), maxK = Math.Max(_depth, Math.Max(columns, _outGroup));
        _packedGroup = Sgemm.PackedASize(_kernel, _outGroup, _depth);
        _packedGroupTransposed = Sgemm.PackedASize(_kernel, _depth, _outGroup);
        _ws = pool.Workspace;
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, (long)_g.Groups * _packedGroup);
        _ws.Reserve(CpuWorkspace.Region.PackedWeightsTransposed, (long)_g.Groups * _packedGroupTransposed);
        _ws.ReserveGemm(maxM, maxN, maxK);
        if (_direct) _ws.Reserve(CpuWorkspace.Region.Padded, DirectConvolution.PaddedSize(_g));
        if (!_pointwise) _ws.Reserve(CpuWorkspace.Region.Columns, columnRows * columns);
        if (_chunk > 1) _ws.Reserve(CpuWorkspace.Region.Scratch, (long)_g.OutChannels * columns);
        if (_workers > 1)
        {
            _ws.Reserve(CpuWorkspace.Region.WeightPartials, _g.WeightSize);
            _ws.Reserve(CpuWorkspace.Region.BiasPartials, _g.OutChannels);
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
        _packedWeights = _ws.Get(CpuWorkspace.Region.PackedWeights);

        if (_direct)
        {
            _work = Work.Direct;
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }

        int splitWorkers = SplitWorkers(batch);
        if (splitWorkers <= 1 || !_splitRows) PackWeights(0, _outGroup);
        if (splitWorkers <= 1)
        {
            _work = Work.Forward;
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }

        // Fewer images than workers: every worker takes a share of each image's GEMM. A share of
        // rows packs its own rows of the weights, with the first image.
        _work = Work.ForwardSplit;
        float* columns = _ws.Get(CpuWorkspace.Region.Columns);
        for (int n = 0; n < batch; n++)
            {
                float* image = _input + (long)n * _g.InputSize;
                _splitImage = image;
                _splitColumns = _pointwise ? image : columns;
                if (!_pointwise)
                {
                    _work = Work.UnfoldSplit;
                    _pool.Run(this, Math.Min(splitWorkers, _g.InChannels));
                }
                _work = Work.ForwardSplit;
                _splitOutput = _output + (long)n * _g.OutputSize;
                _splitPack = n == 0;
                _pool.Run(this, splitWorkers);
            }
    }

    /// <summary>
    /// Packs rows [first, end) of every group's weights for the forward GEMM, as a packed matrix of
    /// their own at float first·depth of the group's space: with first a multiple of MR, the shares
    /// of all workers tile that space without overlap.
    /// </summary>
    private void PackWeights(int first, int end)
    {
        float* packed = _packedWeights;
        for (int group = 0; group < _g.Groups; group++)
                Sgemm.PackA(_kernel, end - first, _depth, _weight + ((long)group * _outGroup + first) * _depth, _depth, false,
                    packed + (long)group * _packedGroup + (long)first * _depth);
    }

    /// <summary>How many workers split one image's forward GEMM: 1 unless the batch leaves workers idle and the image is worth it.</summary>
    private int SplitWorkers(int batch)
    {
        if (batch >= _workers || _g.Groups != 1 || (long)_outGroup * _depth * _outPlane < SplitImageMacs) return 1;
        int rowPanels = (_outGroup + _mr - 1) / _mr, columnPanels = (_outPlane + _nr - 1) / _nr;
        _splitRows = rowPanels >= columnPanels || rowPanels >= _workers;
        return Math.Min(_workers, _splitRows ? rowPanels : columnPanels);
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
        _work = Work.Backward;
        _packedWeightsTransposed = _ws.Get(CpuWorkspace.Region.PackedWeightsTransposed);
        if (_inputGradient != null)
        {
            float* packed = _packedWeightsTransposed;
            for (int group = 0; group < _g.Groups; group++)
                Sgemm.PackA(_kernel, _depth, _outGroup, _weight + (long)group * _outGroup * _depth, _depth, true, packed + (long)group * _packedGroupTransposed);
        }
        int workers = Math.Max(1, Math.Min(_workers, batch));
        _pool.Run(this, workers);

        // Worker 0 summed straight into the gradients; add the others' sums in worker order.
        for (int w = 1; w < workers; w++)
        {
            RowOps.Add(_ws.Get(CpuWorkspace.Region.WeightPartials, w), _weightGradient, _g.WeightSize);
            if (_g.HasBias) RowOps.Add(_ws.Get(CpuWorkspace.Region.BiasPartials, w), _biasGradient, _g.OutChannels);
        }
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        if (_work == Work.UnfoldSplit)
        {
            // A share of the input channels: each owns a contiguous band of the column matrix's rows.
            (int c0, int c1) = WorkerPool.Share(_g.InChannels, worker, workers);
            int taps = _g.KernelHeight * _g.KernelWidth;
            Im2Col.Unfold(_g with { InChannels = c1 - c0 }, _splitImage + (long)c0 * _g.InHeight * _g.InWidth,
                _splitColumns + (long)c0 * taps * _outPlane, _outPlane);
            return;
        }
        if (_work == Work.ForwardSplit)
        {
            ForwardSplitShare(worker, workers);
            return;
        }

        (int first, int end) = WorkerPool.Share(_batch, worker, workers);
        if (_work == Work.Direct)
        {
            float* padded = _ws.Get(CpuWorkspace.Region.Padded, worker);
            for (int n = first; n < end; n++)
                DirectConvolution.Forward(_g, _input + (long)n * _g.InputSize, _weight, _bias, _output + (long)n * _g.OutputSize, padded);
            return;
        }
        if (_work == Work.Backward)
        {
            BackwardShare(worker, first, end);
            return;
        }

        // Chunks of near-equal size, none larger than _chunk.
        int count = end - first, chunks = (count + _chunk - 1) / _chunk;
        for (int c = 0; c < chunks; c++)
        {
            (int from, int to) = WorkerPool.Share(count, c, chunks);
            ForwardChunk(worker, first + from, to - from);
        }
    }

    private void ForwardChunk(int worker, int first, int count)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        int columns = count * _outPlane;
        float* columnBuffer = _ws.Get(CpuWorkspace.Region.Columns, worker), scratch = _ws.Get(CpuWorkspace.Region.Scratch, worker), packedWeights = _packedWeights;
        float* image = _input + (long)first * _g.InputSize;
        float* b = _pointwise ? image : columnBuffer;
        if (!_pointwise)
            for (int j = 0; j < count; j++) Im2Col.Unfold(_g, image + (long)j * _g.InputSize, columnBuffer + j * _outPlane, columns);

        // One image writes its output directly; several go through the scratch matrix, one band per image.
        float* target = count == 1 ? _output + (long)first * _g.OutputSize : scratch;
        for (int group = 0; group < _g.Groups; group++)
        {
            Sgemm.MultiplyPacked(ws, _outGroup, columns, _depth, packedWeights + (long)group * _packedGroup,
                b + (long)group * _depth * columns, columns, false,
                target + (long)group * _outGroup * columns, columns, accumulate: false);
        }

        if (count == 1)
        {
            if (_bias != null)
                for (int o = 0; o < _g.OutChannels; o++) RowOps.AddScalar(target + (long)o * _outPlane, _outPlane, _bias[o]);
            return;
        }
        for (int j = 0; j < count; j++)
        {
            float* output = _output + (long)(first + j) * _g.OutputSize;
            for (int o = 0; o < _g.OutChannels; o++)
                RowOps.CopyAddScalar(scratch + (long)o * columns + j * _outPlane, output + (long)o * _outPlane, _outPlane, _bias != null ? _bias[o] : 0f);
        }
    }

    private void ForwardSplitShare(int worker, int workers)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        float* packedWeights = _packedWeights;
        if (_splitRows)
        {
            (int start, int end) = WorkerPool.Share((_outGroup + _mr - 1) / _mr, worker, workers);
            int i0 = start * _mr, i1 = Math.Min(_outGroup, end * _mr);
            if (i0 >= i1) return;
            if (_splitPack) PackWeights(i0, i1);
            Sgemm.MultiplyPacked(ws, i1 - i0, _outPlane, _depth, packedWeights + (long)i0 * _depth, _splitColumns, _outPlane, false,
                _splitOutput + (long)i0 * _outPlane, _outPlane, accumulate: false);
            if (_bias != null)
                for (int o = i0; o < i1; o++) RowOps.AddScalar(_splitOutput + (long)o * _outPlane, _outPlane, _bias[o]);
        }
        else
        {
            (int start, int end) = WorkerPool.Share((_outPlane + _nr - 1) / _nr, worker, workers);
            int j0 = start * _nr, j1 = Math.Min(_outPlane, end * _nr);
            if (j0 >= j1) return;
            Sgemm.MultiplyPacked(ws, _outGroup, j1 - j0, _depth, packedWeights, _splitColumns + j0, _outPlane, false,
                _splitOutput + j0, _outPlane, accumulate: false);
            if (_bias != null)
                for (int o = 0; o < _g.OutChannels; o++) RowOps.AddScalar(_splitOutput + (long)o * _outPlane + j0, j1 - j0, _bias[o]);
        }
    }

    private void BackwardShare(int worker, int first, int end)
    {
        float* weightPartial = worker == 0 ? null : _ws.Get(CpuWorkspace.Region.WeightPartials, worker), biasPartial = worker == 0 ? null : _ws.Get(CpuWorkspace.Region.BiasPartials, worker);
        float* weightGradient = worker == 0 ? _weightGradient : weightPartial;
        float* biasGradient = worker == 0 ? _biasGradient : biasPartial;
        if (first == end)
        {
            new Span<float>(weightGradient, _g.WeightSize).Clear();
            if (_g.HasBias) new Span<float>(biasGradient, _g.OutChannels).Clear();
            return;
        }

        int count = end - first, chunks = (count + _chunk - 1) / _chunk;
        for (int c = 0; c < chunks; c++)
        {
            (int from, int to) = WorkerPool.Share(count, c, chunks);
            BackwardChunk(worker, first + from, to - from, weightGradient, biasGradient, accumulate: c > 0);
        }
    }

    /// <summary>dW (+)= dY · columnsᵀ one column of dW at a time: the dot products of a row of the columns with every row of dY.</summary>
    private void WeightGradientByDots(float* dy, float* unfolded, float* dw, int columns, bool accumulate)
    {
        float* dots = stackalloc float[_outGroup];
        for (int j = 0; j < _depth; j++)
        {
            DotRows.Run(unfolded + (long)j * columns, dy, null, dots, columns, 0, _outGroup);
            for (int o = 0; o < _outGroup; o++)
                dw[(long)o * _depth + j] = accumulate ? dw[(long)o * _depth + j] + dots[o] : dots[o];
        }
    }

    private void BackwardChunk(int worker, int first, int count, float* weightGradient, float* biasGradient, bool accumulate)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        int columns = count * _outPlane;
        float* columnBuffer = _ws.Get(CpuWorkspace.Region.Columns, worker), scratch = _ws.Get(CpuWorkspace.Region.Scratch, worker), packedWeights = _packedWeightsTransposed;
        float* image = _input + (long)first * _g.InputSize;
        float* b = _pointwise ? image : columnBuffer;
        if (!_pointwise)
            for (int j = 0; j < count; j++) Im2Col.Unfold(_g, image + (long)j * _g.InputSize, columnBuffer + j * _outPlane, columns);

        // dY of the chunk as one [OutChannels × columns] matrix: in place for one image, gathered for several.
        float* outputGradient = _outputGradient + (long)first * _g.OutputSize;
        if (count > 1)
        {
            for (int j = 0; j < count; j++)
            for (int o = 0; o < _g.OutChannels; o++)
                new ReadOnlySpan<float>(outputGradient + (long)j * _g.OutputSize + (long)o * _outPlane, _outPlane)
                    .CopyTo(new Span<float>(scratch + (long)o * columns + j * _outPlane, _outPlane));
            outputGradient = scratch;
        }

        if (_g.HasBias)
            for (int o = 0; o < _g.OutChannels; o++)
            {
                float sum = RowOps.Sum(outputGradient + (long)o * columns, columns);
                biasGradient[o] = accumulate ? biasGradient[o] + sum : sum;
            }

        // dW_g (+)= dY_g · columns_gᵀ
        for (int group = 0; group < _g.Groups; group++)
        {
            float* dy = outputGradient + (long)group * _outGroup * columns, unfolded = b + (long)group * _depth * columns;
            float* dw = weightGradient + (long)group * _outGroup * _depth;
            if (_weightGradientByDots) WeightGradientByDots(dy, unfolded, dw, columns, accumulate);
            else Sgemm.Multiply(ws, _outGroup, _depth, columns, dy, columns, false, unfolded, columns, true, dw, _depth, accumulate);
        }

        if (_inputGradient == null) return;

        // dColumns_g = W_gᵀ · dY_g, then fold back onto each image (the columns are no longer needed).
        float* inputGradient = _inputGradient + (long)first * _g.InputSize;
        float* target = _pointwise ? inputGradient : columnBuffer;
        for (int group = 0; group < _g.Groups; group++)
        {
            Sgemm.MultiplyPacked(ws, _depth, columns, _outGroup, packedWeights + (long)group * _packedGroupTransposed,
                outputGradient + (long)group * _outGroup * columns, columns, false,
                target + (long)group * _depth * columns, columns, accumulate: false);
        }
        if (_pointwise) return;
        for (int j = 0; j < count; j++)
        {
            float* dx = inputGradient + (long)j * _g.InputSize;
            new Span<float>(dx, _g.InputSize).Clear();
            Im2Col.Fold(_g, columnBuffer + j * _outPlane, dx, columns);
        }
    }
}

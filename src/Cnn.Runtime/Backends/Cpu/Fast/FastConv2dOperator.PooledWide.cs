namespace Cnn.Backends.Cpu.Fast;

// The fused operator's dispatch to PooledWideConvolution: a convolution on the wide channel-vector
// path whose fused step ends in a max pool finishes and pools each block of channels while it is
// channel-last, and writes only the pooled output.
internal sealed unsafe partial class FastConv2dOperator
{
    // The wide kernel's pooled form (null where the rule leaves the fused pool to the paths above).
    private readonly PooledWideConvolution? _pooledWide;

    // The call in flight runs PooledWideConvolution: each image shared among the workers (a batch smaller than the workers) or a share of the images each.
    private bool _pooledWideSplit;

    // The weights last checked for a NaN or an infinity, and whether they were all finite.
    private TensorStamp? _pooledWideChecked;
    private bool _pooledWideFinite;

    /// <summary>True when a fused call on <paramref name="batch"/> images whose epilogue <see cref="PooledWideConvolution.Takes"/> runs <see cref="PooledWideConvolution"/>.</summary>
    internal bool UsesPooledWide(int batch) => _pooledWide is not null && UsesWideChannelVector(batch) && !UsesWinogradLanes(batch);

    /// <summary>
    /// The rule: a fused convolution with a pool that runs its forward pass on the wide channel-vector
    /// kernel (<see cref="UsesWideChannelVector"/>: the batches Winograd does not take) pools there,
    /// by <see cref="PooledWideConvolution"/>, wherever that <see cref="PooledWideConvolution.Applies"/>,
    /// for the calls whose epilogue it <see cref="PooledWideConvolution.Takes"/> and whose weights are
    /// finite; <see cref="PooledDirectConvolution"/> goes first where it applies.
    /// </summary>
    private PooledWideConvolution? PooledWideFor(in Conv2dGeometry g)
    {
        if (_wide is null || _pooledDirect is not null || _fusedPool is null || !PooledWideConvolution.Applies(g, _fusedPool.Geometry)) return null;
        _ws.Reserve(CpuWorkspace.Region.Columns, PooledWideConvolution.WorkSize(g, _fusedPool.Geometry));
        return new PooledWideConvolution(_wide, g, _fusedPool.Geometry);
    }

    /// <summary>
    /// Runs the fused call (its epilogue prepared, <see cref="_pooled"/> set) by <see cref="PooledWideConvolution"/>,
    /// or returns false to leave it to <see cref="Run"/>. <paramref name="unpooled"/> is written only
    /// for images with a NaN or an infinity, which take the wide kernel, the epilogue and the pool as before.
    /// </summary>
    private bool ForwardPooledWide(int batch, Tensor input, Tensor weight, Tensor unpooled)
    {
        if (!UsesPooledWide(batch) || !PooledWideConvolution.Takes(_callEpilogue!)) return false;
        _weight = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        var stamp = TensorStamp.Of(weight);
        if (_pooledWideChecked != stamp)
        {
            _pooledWideFinite = PooledDirectConvolution.IsFinite(_weight, _g.WeightSize);
            _pooledWideChecked = stamp;
        }
        if (!_pooledWideFinite) return false;
        _packedWeights = _widePacked!.Find(weight, out bool pack);
        if (pack) WideChannelVectorConvolution.PackWeights(_g, _weight, _packedWeights);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _output = CpuTensor.Pointer(unpooled, (long)batch * _g.OutputSize, nameof(unpooled));
        _batch = batch;
        int units = _pooledWide!.ShareUnits(_workers);
        long macs = (long)_g.OutChannels * _g.InChannels * _g.KernelHeight * _g.KernelWidth * _g.OutHeight * _g.OutWidth;
        _pooledWideSplit = batch < _workers && units > 1 && macs >= SplitImageMacs;
        _work = Work.PooledWide;
        _pool.Run(this, _pooledWideSplit ? Math.Min(_workers, units) : Math.Min(_workers, batch));
        return true;
    }

    /// <summary>A worker's share of a <see cref="ForwardPooledWide"/> call.</summary>
    private void ExecutePooledWide(int worker, int workers)
    {
        ChannelEpilogue epilogue = _callEpilogue!;
        float* scale = epilogue.ScalePointer, shift = epilogue.ShiftPointer;
        float slope = epilogue.SelectSlope;
        float* padded = _ws.Get(CpuWorkspace.Region.Padded, worker), work = _ws.Get(CpuWorkspace.Region.Columns, worker);
        Pool2dGeometry pool = _fusedPool!.Geometry;
        (int first, int end) = _pooledWideSplit ? (0, _batch) : WorkerPool.Share(_batch, worker, workers);
        int b0 = 0, b1 = _pooledWide!.Blocks, y0 = 0, y1 = pool.OutHeight;
        if (_pooledWideSplit) _pooledWide.Share(worker, workers, out b0, out b1, out y0, out y1);
        bool cleared = false;
        for (int n = first; n < end; n++)
        {
            float* image = _input + (long)n * _g.InputSize;
            if (PooledDirectConvolution.IsFinite(image, _g.InputSize))
            {
                if (b0 >= b1 || y0 >= y1) continue;
                float* source = _wide!.Source(image, padded, clearPadded: !cleared);
                cleared = true;
                _pooledWide.Forward(source, _packedWeights, scale, shift, slope, _pooled + (long)n * pool.OutputSize, b0, b1, y0, y1, work);
                continue;
            }
            // A NaN or an infinity: the unpooled image, finished and pooled as the wide path does, so the pool's NaN rule holds (by the first worker of a shared image).
            if (b0 != 0 || y0 != 0) continue;
            float* output = _output + (long)n * _g.OutputSize;
            _wide!.Forward(image, _packedWeights, null, output, padded, clearPadded: !cleared, 0, _wide.Blocks, 0, _g.OutHeight);
            cleared = true;
            FinishAndPoolUnpooled(n);
        }
    }
}

namespace Cnn.Backends.Cpu.Fast;

// The forward dispatch to WinogradChannelVectorConvolution: small-plane 3×3 layers below Winograd's
// batches, in place of the wide channel-vector kernel.
internal sealed unsafe partial class FastConv2dOperator
{
    // The channel-vector Winograd kernel (null where the rule does not give it the layer) and its kept, transformed filters.
    private readonly WinogradChannelVectorConvolution? _winogradLanes;
    private readonly PackedWeightCache? _winogradLanesPacked;

    // The call in flight shares each image among the workers: channels of the input transform, then blocks of output channels.
    private bool _winogradLanesSplit;

    // A shared image's transformed input: worker 0's Columns buffer, fetched on the calling thread (the workspace allocates lazily, and two workers must not both allocate it).
    private float* _winogradLanesShared;

    /// <summary>True when a forward call on <paramref name="batch"/> images runs <see cref="WinogradChannelVectorConvolution"/>.</summary>
    internal bool UsesWinogradLanes(int batch) => _winogradLanes is not null && batch <= _g.MaxBatch;

    /// <summary>
    /// The rule: a convolution whose forward pass the wide channel-vector kernel would take below
    /// Winograd's batches (not forced onto it), that <see cref="WinogradChannelVectorConvolution.Applies"/>
    /// to (3×3, stride 1, at most 14 tiles of 2×2 outputs: planes up to 6×6 or 4×8) and that has at
    /// least <see cref="WinogradConvolution.MinChannels"/> input and output channels runs its forward
    /// pass there at every batch, ahead of the wide kernel and of the GEMM form of Winograd (whose
    /// gradients stay). Measured on the CIFAR AlexNet-like net's 6×6 layers (<c>Cnn.Compare profile
    /// --threads 2 --nets alexnet_cifar</c>, fused conv + ReLU, a noisy 2-core machine): at batch 256
    /// against Winograd's GEMMs 37.5 → 21.9 ms (192→384), 47.6 → 29.1 ms (384→256), 36.8 → 22.9 ms
    /// (256→256 with its pool); at batch 1 against the wide kernel 134–150 → 107 µs and 189–198 → 153 µs.
    /// Forced on or off by <paramref name="forced"/> (tests).
    /// </summary>
    private (WinogradChannelVectorConvolution?, PackedWeightCache?) WinogradLanesFor(in Conv2dGeometry g, bool? forced)
    {
        bool take = forced ?? (_wide is not null && !_wideOverWinograd && WinogradChannelVectorConvolution.Applies(g) && g.InChannels >= WinogradConvolution.MinChannels && g.OutChannels >= WinogradConvolution.MinChannels);
        if (!take || _kernel == GemmKernel.Bf16) return (null, null);
        var kernel = new WinogradChannelVectorConvolution(g);
        int size = WinogradChannelVectorConvolution.PackedWeightsSize(g);
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, size);
        _ws.Reserve(CpuWorkspace.Region.Columns, kernel.TransformedSize + kernel.WorkSize + 16);
        return (kernel, new PackedWeightCache(size, _ws));
    }

    /// <summary>The forward pass by <see cref="WinogradChannelVectorConvolution"/>: a share of the images per worker, or each image shared (input channels, then output blocks) when the batch leaves workers idle.</summary>
    private void ForwardWinogradLanes(int batch, Tensor weight)
    {
        _packedWeights = _winogradLanesPacked!.Find(weight, out bool pack);
        if (pack)
        {
            _work = Work.WinogradLanesPack;
            _pool.Run(this, Math.Min(_workers, _winogradLanes!.Blocks));
        }
        _winogradLanesSplit = batch < _workers && _winogradLanes!.Blocks > 1;
        if (!_winogradLanesSplit)
        {
            _work = Work.WinogradLanes;
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }
        _winogradLanesShared = _ws.Get(CpuWorkspace.Region.Columns);
        for (int n = 0; n < batch; n++)
        {
            _splitImage = _input + (long)n * _g.InputSize;
            _splitOutput = _output + (long)n * _g.OutputSize;
            _work = Work.WinogradLanesInput;
            _pool.Run(this, Math.Min(_workers, _g.InChannels));
            _work = Work.WinogradLanes;
            _pool.Run(this, Math.Min(_workers, _winogradLanes!.Blocks));
        }
        if (_pooled != null) _fusedPool!.ForwardAllImages(_output, _pooled, batch);
    }

    /// <summary>A worker's share of a <see cref="ForwardWinogradLanes"/> call.</summary>
    private void ExecuteWinogradLanes(int worker, int workers)
    {
        WinogradChannelVectorConvolution kernel = _winogradLanes!;
        if (_work == Work.WinogradLanesPack)
        {
            (int firstBlock, int endBlock) = WorkerPool.Share(kernel.Blocks, worker, workers);
            WinogradChannelVectorConvolution.PackWeights(_g, _weight, _packedWeights, firstBlock, endBlock);
            return;
        }
        float* own = _ws.Get(CpuWorkspace.Region.Columns, worker), work = own + kernel.TransformedSize;
        if (_work == Work.WinogradLanesInput)
        {
            (int c0, int c1) = WorkerPool.Share(_g.InChannels, worker, workers);
            kernel.TransformInput(_splitImage, c0, c1, _winogradLanesShared, work);
            return;
        }
        // The bias or an epilogue applied lane by lane; any other epilogue after, on the channel rows.
        ChannelEpilogue? epilogue = _callEpilogue;
        bool lanes = LaneFinish(out float* scale, out float* shift, out float slope);
        if (_winogradLanesSplit)
        {
            (int b0, int b1) = WorkerPool.Share(kernel.Blocks, worker, workers);
            kernel.Forward(_winogradLanesShared, _packedWeights, scale, shift, slope, _splitOutput, b0, b1, work);
            if (!lanes)
                FinishRows(_splitOutput, 0, _g.OutHeight, epilogue, b0 * WideChannelVectorConvolution.BlockChannels, Math.Min(_g.OutChannels, b1 * WideChannelVectorConvolution.BlockChannels));
            return;
        }
        (int first, int end) = WorkerPool.Share(_batch, worker, workers);
        for (int n = first; n < end; n++)
        {
            float* output = _output + (long)n * _g.OutputSize;
            kernel.TransformInput(_input + (long)n * _g.InputSize, 0, _g.InChannels, own, work);
            kernel.Forward(own, _packedWeights, scale, shift, slope, output, 0, kernel.Blocks, work);
            if (!lanes) FinishRows(output, 0, _g.OutHeight, epilogue);
            PoolImages(n, n + 1);
        }
    }
}

namespace Cnn.Backends.Cpu.Fast;

// The fused operator's dispatch to PooledDirectConvolution: a first layer whose fused step ends in a
// 2×2 max pool convolves, finishes and pools in registers and writes only the pooled output.
internal sealed unsafe partial class FastConv2dOperator
{
    // The first layer pooled in registers (null where the rule leaves the fused pool to the paths above), and its packed weights.
    private readonly PooledDirectConvolution? _pooledDirect;
    private readonly PackedWeightCache? _pooledPacked;

    /// <summary>
    /// From this many multiply-adds per image (counting the unpooled outputs), a batch smaller than the
    /// workers splits each image's pooled rows over them: the GEMM path's bound. The tutorial net's conv1
    /// (225,792) took 2.7–2.8 µs on one worker and 3.0–3.1 µs split over two at batch 1 (best of 5000
    /// calls of the fused operator alone, two runs); the profile's figures (2.4–5.1 µs split,
    /// 3.0–5.7 µs not) were within the machine's noise.
    /// </summary>
    private const long PooledDirectSplitMacs = SplitImageMacs;

    // The call in flight runs PooledDirectConvolution: split by pooled rows of each image (a batch smaller than the workers) or by images.
    private bool _pooledDirectRows;
    private float* _pooledDirectWeights;

    /// <summary>True when a fused call whose epilogue <see cref="PooledDirectConvolution.Takes"/> runs <see cref="PooledDirectConvolution"/>.</summary>
    internal bool UsesPooledDirect => _pooledDirect is not null;

    /// <summary>
    /// The rule: a fused convolution with a pool runs <see cref="PooledDirectConvolution"/> wherever it
    /// <see cref="PooledDirectConvolution.Applies"/> (fp32 kernels only), ahead of every other forward
    /// path, for the calls whose epilogue it <see cref="PooledDirectConvolution.Takes"/> and whose
    /// weights are finite. The unpooled tensor is then written only for an image with a NaN or an
    /// infinity. Measured on the MNIST tutorial net's conv1 + ReLU + pool (1→32, 3×3, pad 1, 28×28),
    /// the fused operator alone (best of 200 calls at batch 256 and of 5000 at batch 1, two runs against
    /// the previous build): by im2col + GEMM and the pool after it, 2860–3388 µs on one thread and
    /// 1418–2276 µs on two at batch 256, 7.3–9.9 µs at batch 1; here 689–722 µs and 353–809 µs,
    /// 2.7–2.8 µs (2.7 µs per image per thread, where its 16128 vector multiply-adds take 2.1 µs at the
    /// FMA peak that Cnn.Compare measures). In the network (Cnn.Compare profile --threads 2 --nets mnist_cnn,
    /// four alternating rounds, best-of on a noisy 2-core machine): 1748 µs → 725 µs at inference batch 256,
    /// 7.9 µs → 2.5 µs at batch 1. A block of 6 output channels (24 accumulators) beat one of 4 there
    /// (971 µs and 3.4 µs best); whole-vector stores in place of the masked ones at row ends made no
    /// measurable difference and were dropped. Training does not fuse the pool, so it never runs here.
    /// </summary>
    private (PooledDirectConvolution?, PackedWeightCache?) PooledDirectFor(in Conv2dGeometry g)
    {
        if (_fusedPool is null || _kernel == GemmKernel.Bf16 || !PooledDirectConvolution.Applies(g, _fusedPool.Geometry)) return (null, null);
        _ws.Reserve(CpuWorkspace.Region.Padded, PooledDirectConvolution.PaddedSize(g, _fusedPool.Geometry));
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, PooledDirectConvolution.PackedWeightsSize(g));
        return (new PooledDirectConvolution(g, _fusedPool.Geometry), new PackedWeightCache(PooledDirectConvolution.PackedWeightsSize(g), _ws));
    }

    /// <summary>
    /// Runs the fused call (its epilogue prepared, <see cref="_pooled"/> set) by <see cref="PooledDirectConvolution"/>,
    /// or returns false to leave it to <see cref="Run"/>: without the kernel, for an epilogue it does not
    /// take, or for weights that are not all finite. <paramref name="unpooled"/> is written only for
    /// images with a NaN or an infinity.
    /// </summary>
    private bool ForwardPooledDirect(int batch, Tensor input, Tensor weight, Tensor unpooled)
    {
        if (_pooledDirect is null || !PooledDirectConvolution.Takes(_callEpilogue!)) return false;
        _weight = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        _pooledDirectWeights = _pooledPacked!.Find(weight, out bool pack);
        if (pack) _pooledDirect.PackWeights(_weight, _pooledDirectWeights);
        if (!_pooledDirect.WeightsFinite) return false;
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _output = CpuTensor.Pointer(unpooled, (long)batch * _g.OutputSize, nameof(unpooled));
        _batch = batch;
        // Fewer images than workers: each worker takes a share of every image's pooled rows, where an image is worth it.
        _pooledDirectRows = batch < _workers && (long)_g.OutChannels * _g.InChannels * _g.KernelHeight * _g.KernelWidth * _g.OutHeight * _g.OutWidth >= PooledDirectSplitMacs;
        int workers = _pooledDirectRows ? Math.Min(_workers, _fusedPool!.Geometry.OutHeight) : Math.Min(_workers, batch);
        _work = Work.PooledDirect;
        _pool.Run(this, workers);
        return true;
    }

    /// <summary>A worker's share of a <see cref="ForwardPooledDirect"/> call.</summary>
    private void ExecutePooledDirect(int worker, int workers)
    {
        ChannelEpilogue epilogue = _callEpilogue!;
        Pool2dGeometry pool = _fusedPool!.Geometry;
        float* scale = epilogue.ScalePointer, shift = epilogue.ShiftPointer;
        float slope = epilogue.SelectSlope;
        float* padded = _ws.Get(CpuWorkspace.Region.Padded, worker);
        (int first, int end) = _pooledDirectRows ? (0, _batch) : WorkerPool.Share(_batch, worker, workers);
        (int firstRow, int endRow) = _pooledDirectRows ? WorkerPool.Share(pool.OutHeight, worker, workers) : (0, pool.OutHeight);
        bool cleared = false;
        for (int n = first; n < end; n++)
        {
            float* image = _input + (long)n * _g.InputSize;
            if (PooledDirectConvolution.IsFinite(image, _g.InputSize))
            {
                _pooledDirect!.Split(image, padded, clear: !cleared);
                cleared = true;
                _pooledDirect.Forward(padded, _pooledDirectWeights, scale, shift, slope, _pooled + (long)n * pool.OutputSize, firstRow, endRow);
                continue;
            }
            // A NaN or an infinity: the unpooled image, finished and pooled as the other paths do, so the pool's NaN rule holds (by one worker of a split image).
            if (firstRow != 0) continue;
            float* output = _output + (long)n * _g.OutputSize;
            _pooledDirect!.ConvolveUnpooled(image, _weight, output);
            FinishAndPoolUnpooled(n);
        }
    }

    /// <summary>
    /// The path of an image with a NaN or an infinity on the kernels that pool in registers (which take
    /// finite images only): image <paramref name="n"/>'s unpooled output, already convolved into
    /// <see cref="_output"/>, finished in place by this call's epilogue and pooled into <see cref="_pooled"/>
    /// as the other paths do, so that the pool's NaN rule holds.
    /// </summary>
    private void FinishAndPoolUnpooled(int n)
    {
        FinishRows(_output + (long)n * _g.OutputSize, 0, _g.OutHeight, _callEpilogue);
        _fusedPool!.ForwardImages(_output, _pooled, n, n + 1);
    }
}

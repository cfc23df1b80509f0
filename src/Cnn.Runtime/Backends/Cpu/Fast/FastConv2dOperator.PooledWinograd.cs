using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

// The fused operator's dispatch to PooledWinogradConvolution: a 3×3 layer with a few tens of input
// channels whose fused step ends in a 2×2 max pool runs Winograd's F(4×4, 3×3), pooled in registers.
internal sealed unsafe partial class FastConv2dOperator
{
    /// <summary>The fewest input channels the rule gives <see cref="PooledWinogradConvolution"/>; from <see cref="WinogradConvolution.MinChannels"/> on, F(2×2) takes its batches.</summary>
    internal const int PooledWinogradMinInChannels = 16;

    private readonly PooledWinogradConvolution? _pooledWinograd;
    private readonly PackedWeightCache? _pooledWinogradPacked;

    // The call in flight runs PooledWinogradConvolution: split by tile rows of each image (a batch smaller than the workers) or by images.
    private bool _pooledWinogradRows;
    private float* _pooledWinogradWeights;

    /// <summary>True when a fused call whose epilogue <see cref="PooledDirectConvolution.Takes"/> runs <see cref="PooledWinogradConvolution"/>.</summary>
    internal bool UsesPooledWinograd => _pooledWinograd is not null;

    /// <summary>
    /// The rule: a fused convolution with a 2×2 max pool that <see cref="PooledWinogradConvolution.Applies"/>
    /// to (fp32 kernels only) runs it, where <see cref="PooledDirectConvolution"/> does not, with
    /// <see cref="PooledWinogradMinInChannels"/> to <see cref="WinogradConvolution.MinChannels"/> − 1 input
    /// channels and at least one block of 32 output channels, for the calls whose epilogue
    /// <see cref="PooledDirectConvolution.Takes"/> and whose weights are finite (an image with a NaN or
    /// an infinity is convolved by <see cref="Conv2dReference"/>, finished and pooled as the other paths do).
    /// <paramref name="force"/>: true takes every geometry it applies to, false none. Measured on the
    /// MNIST tutorial net's conv2 + ReLU + pool (32→64, 3×3, pad 1, 14×14; the wide channel-vector kernel
    /// and the pool before), 2 threads on a noisy 2-core machine: the fused operator alone
    /// (<c>Cnn.Compare pooledconv --threads 2 --repeats 40</c>, alternating calls, best) 2.2–2.6× faster at
    /// batch 256 (e.g. 6.3 → 2.4 ms) and 2.1–2.3× at batch 1 (e.g. 21 → 9.6 µs); in the network
    /// (<c>Cnn.Compare profile --threads 2 --nets mnist_cnn</c>, two alternating rounds) 5565–6500 → 2369–2417 µs
    /// at batch 256 and 21.2–27.9 → 12.0–14.7 µs at batch 1. Sharing a batch-1 image by blocks of output
    /// channels (each worker transforms the whole image, reads half the filters) measured slower than by
    /// tile rows (13.9–18.9 vs 10.8–11.6 µs best). Other input-channel counts in the range were not measured.
    /// </summary>
    private (PooledWinogradConvolution?, PackedWeightCache?) PooledWinogradFor(in Conv2dGeometry g, bool? force)
    {
        if (_fusedPool is null || _pooledDirect is not null || _kernel == GemmKernel.Bf16 || !PooledWinogradConvolution.Applies(g, _fusedPool.Geometry) || force == false)
            return (null, null);
        if (force is null && (g.InChannels < PooledWinogradMinInChannels || g.InChannels >= WinogradConvolution.MinChannels || g.OutChannels < PooledWinogradConvolution.BlockChannels))
            return (null, null);
        _ws.Reserve(CpuWorkspace.Region.Columns, PooledWinogradConvolution.WorkspaceSize(g, _fusedPool.Geometry));
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, PooledWinogradConvolution.PackedWeightsSize(g));
        return (new PooledWinogradConvolution(g, _fusedPool.Geometry), new PackedWeightCache(PooledWinogradConvolution.PackedWeightsSize(g), _ws));
    }

    /// <summary>
    /// Runs the fused call (its epilogue prepared, <see cref="_pooled"/> set) by <see cref="PooledWinogradConvolution"/>,
    /// or returns false to leave it to the other paths: without the kernel, for an epilogue it does not
    /// take, or for weights that are not all finite. <paramref name="unpooled"/> is written only for
    /// images with a NaN or an infinity.
    /// </summary>
    private bool ForwardPooledWinograd(int batch, Tensor input, Tensor weight, Tensor unpooled)
    {
        if (_pooledWinograd is null || !PooledDirectConvolution.Takes(_callEpilogue!)) return false;
        _weight = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        if (!PooledDirectConvolution.IsFinite(_weight, _g.WeightSize)) return false;
        _pooledWinogradWeights = _pooledWinogradPacked!.Find(weight, out bool pack);
        if (pack) PooledWinogradConvolution.PackWeights(_g, _weight, _pooledWinogradWeights);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _output = CpuTensor.Pointer(unpooled, (long)batch * _g.OutputSize, nameof(unpooled));
        _batch = batch;
        // Fewer images than workers: each worker takes a share of every image's tile rows.
        _pooledWinogradRows = batch < _workers;
        int workers = _pooledWinogradRows ? Math.Min(_workers, _pooledWinograd.TileRows) : Math.Min(_workers, batch);
        _work = Work.PooledWinograd;
        _pool.Run(this, workers);
        return true;
    }

    /// <summary>A worker's share of a <see cref="ForwardPooledWinograd"/> call.</summary>
    private void ExecutePooledWinograd(int worker, int workers)
    {
        ChannelEpilogue epilogue = _callEpilogue!;
        Pool2dGeometry pool = _fusedPool!.Geometry;
        float* scale = epilogue.ScalePointer, shift = epilogue.ShiftPointer;
        float slope = epilogue.SelectSlope;
        float* workspace = _ws.Get(CpuWorkspace.Region.Columns, worker);
        (int first, int end) = _pooledWinogradRows ? (0, _batch) : WorkerPool.Share(_batch, worker, workers);
        (int firstRow, int endRow) = _pooledWinogradRows ? WorkerPool.Share(_pooledWinograd!.TileRows, worker, workers) : (0, _pooledWinograd!.TileRows);
        bool cleared = false;
        for (int n = first; n < end; n++)
        {
            float* image = _input + (long)n * _g.InputSize;
            if (PooledDirectConvolution.IsFinite(image, _g.InputSize))
            {
                _pooledWinograd.Forward(image, _pooledWinogradWeights, scale, shift, slope, _pooled + (long)n * pool.OutputSize, workspace, clear: !cleared, firstRow, endRow);
                cleared = true;
                continue;
            }
            // A NaN or an infinity would spread over its whole tile here: the unpooled image by the reference, finished and pooled as the other paths do (by one worker of a split image).
            if (firstRow != 0) continue;
            float* output = _output + (long)n * _g.OutputSize;
            Conv2dReference.Forward<float>(_g with { HasBias = false }, 1, new ReadOnlySpan<float>(image, _g.InputSize), new ReadOnlySpan<float>(_weight, _g.WeightSize), default, new Span<float>(output, _g.OutputSize));
            FinishAndPoolUnpooled(n);
        }
    }
}

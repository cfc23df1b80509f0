using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

// The forward dispatch to Winograd4x4Convolution: ResNet's and VGG's 3×3 layers on planes of 14×14
// and more, at every batch, ahead of the wide channel-vector kernel and of F(2×2) (whose gradients stay).
internal sealed unsafe partial class FastConv2dOperator
{
    /// <summary>The smallest output plane side the rule gives <see cref="Winograd4x4Convolution"/>: below it, the tiles' overhang and the filters' size cost more than F(4×4) saves.</summary>
    internal const int Winograd4x4MinSide = 14;

    private readonly Winograd4x4Convolution? _winograd4x4;
    private readonly PackedWeightCache? _winograd4x4Packed;

    // The call in flight: split by tile rows of each image (a batch smaller than the workers) or by images; and the packed filters.
    private bool _winograd4x4Rows;
    private float* _winograd4x4Weights;

    // Whether the kept weights are all finite, found when they were packed.
    private bool _winograd4x4Finite;

    /// <summary>True when a forward call runs <see cref="Winograd4x4Convolution"/> (for finite weights).</summary>
    internal bool UsesWinograd4x4 => _winograd4x4 is not null;

    /// <summary>
    /// The rule: a 3×3, stride-1 convolution that <see cref="Winograd4x4Lanes.Applies"/> to (fp32
    /// kernels), with at least <see cref="WinogradConvolution.MinChannels"/> input and output channels
    /// and an output plane of at least <see cref="Winograd4x4MinSide"/> on each side, runs its forward
    /// pass here at every batch, when no other forward path is forced (<paramref name="others"/>); a fused
    /// pool that <see cref="PooledDirectConvolution"/>, <see cref="PooledWinogradConvolution"/> or
    /// <see cref="PooledWideConvolution"/> takes stays with them.
    /// <paramref name="forced"/>: true takes every geometry it applies to, false none.
    /// </summary>
    private (Winograd4x4Convolution?, PackedWeightCache?) Winograd4x4For(in Conv2dGeometry g, bool? forced, bool others)
    {
        bool take = forced ?? (!others && g.InChannels >= WinogradConvolution.MinChannels && g.OutChannels >= WinogradConvolution.MinChannels
                                         && g.OutHeight >= Winograd4x4MinSide && g.OutWidth >= Winograd4x4MinSide);
        if (!take || _kernel == GemmKernel.Bf16 || !Winograd4x4Lanes.Applies(g)) return (null, null);
        var kernel = new Winograd4x4Convolution(g);
        int size = Winograd4x4Lanes.PackedWeightsSize(g);
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, size);
        _ws.Reserve(CpuWorkspace.Region.Columns, kernel.WorkspaceSize);
        return (kernel, new PackedWeightCache(size, _ws));
    }

    /// <summary>
    /// Runs the forward call (its pointers set) by <see cref="Winograd4x4Convolution"/>, or returns
    /// false to leave it to the other paths: for weights that are not <see cref="PackedWeightCache.Steady"/>
    /// (training, and the first calls of inference: the filters are transformed once, in double, and
    /// kept) and for weights that are not all finite. Images with a NaN or an infinity are convolved by
    /// <see cref="Conv2dReference"/> and finished on the rows.
    /// </summary>
    private bool ForwardWinograd4x4(int batch, Tensor weight)
    {
        if (!_winograd4x4Packed!.Steady(weight)) return false;
        _winograd4x4Weights = _winograd4x4Packed.Find(weight, out bool pack);
        if (pack)
        {
            _winograd4x4Finite = PooledDirectConvolution.IsFinite(_weight, _g.WeightSize);
            Winograd4x4Lanes.PackWeights(_g, _weight, _winograd4x4Weights);
            // The paths that ran the first calls kept their own copies: they are not read while these weights stay.
            if (_winograd4x4Finite)
            {
                _packed?.Release();
                _widePacked?.Release();
                _winogradFilters?.Release();
            }
        }
        if (!_winograd4x4Finite) return false;
        _winograd4x4Rows = batch < _workers;
        int workers = _winograd4x4Rows ? Math.Min(_workers, _winograd4x4!.TileRows) : Math.Min(_workers, batch);
        _work = Work.Winograd4x4;
        _pool.Run(this, workers);
        if (_pooled != null && _winograd4x4Rows) _fusedPool!.ForwardAllImages(_output, _pooled, batch);
        return true;
    }

    /// <summary>A worker's share of a <see cref="ForwardWinograd4x4"/> call.</summary>
    private void ExecuteWinograd4x4(int worker, int workers)
    {
        // The bias or an epilogue applied lane by lane; any other epilogue after, on the channel rows.
        ChannelEpilogue? epilogue = _callEpilogue;
        bool lanes = LaneFinish(out float* scale, out float* shift, out float slope);
        Winograd4x4Convolution kernel = _winograd4x4!;
        float* workspace = _ws.Get(CpuWorkspace.Region.Columns, worker);
        (int first, int end) = _winograd4x4Rows ? (0, _batch) : WorkerPool.Share(_batch, worker, workers);
        (int firstRow, int endRow) = _winograd4x4Rows ? WorkerPool.Share(kernel.TileRows, worker, workers) : (0, kernel.TileRows);
        int y0 = 4 * firstRow, y1 = Math.Min(_g.OutHeight, 4 * endRow);
        bool cleared = false;
        for (int n = first; n < end; n++)
        {
            float* image = _input + (long)n * _g.InputSize, output = _output + (long)n * _g.OutputSize;
            if (kernel.Forward(image, _winograd4x4Weights, scale, shift, slope, output, workspace, clear: !cleared, firstRow, endRow))
            {
                cleared = true;
                if (!lanes) FinishRows(output, y0, y1, epilogue!);
            }
            else
            {
                ForwardReferenceRows(image, output, y0, y1);
                FinishRows(output, y0, y1, epilogue);
            }
            if (!_winograd4x4Rows) PoolImages(n, n + 1);
        }
    }

    /// <summary>
    /// Output rows [y0, y1) of one image with a NaN or an infinity, as the direct sum gives them
    /// (<see cref="Conv2dReference"/>, on the whole image: a rare path, which allocates).
    /// </summary>
    private void ForwardReferenceRows(float* image, float* output, int y0, int y1)
    {
        var whole = new float[_g.OutputSize];
        Conv2dReference.Forward<float>(_g with { HasBias = false }, 1, new ReadOnlySpan<float>(image, _g.InputSize), new ReadOnlySpan<float>(_weight, _g.WeightSize), default, whole);
        int count = (y1 - y0) * _g.OutWidth;
        for (int o = 0; o < _g.OutChannels; o++)
            whole.AsSpan(o * _outPlane + y0 * _g.OutWidth, count).CopyTo(new Span<float>(output + (long)o * _outPlane + (long)y0 * _g.OutWidth, count));
    }
}

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Convolution as im2col + GEMM. The batch is split into fixed, contiguous shares, one per worker,
/// and each worker unfolds a few images at a time side by side into its own column matrix, so that
/// one GEMM covers them all: small planes (6×6, 10×10) otherwise make GEMMs a few dozen columns
/// wide, and a weight gradient whose depth is one image's plane. The weights are packed on the
/// calling thread and shared by all workers, and kept packed between calls while they do not change
/// (<see cref="PackedWeightCache"/>), so inference packs them once. Groups become one GEMM per group over
/// that group's rows. A 1×1, stride-1, unpadded convolution skips the unfold. A batch smaller than
/// the worker count (batch-1 inference) splits each image instead: by bands of output rows, each
/// worker unfolding and multiplying its own band in one dispatch, when the image's columns outnumber
/// the weights; else each image's GEMM by rows of output channels or by columns of output positions. Weight and bias gradients are summed per worker and
/// reduced in worker order, so results depend only on the thread count. An image whose column matrix
/// alone exceeds the cap (VGG's 224×224 layers: 64·9 rows × 50,176 columns) is unfolded in bands of
/// output rows instead, one GEMM per band, so the columns never outgrow the cap. A first layer (few
/// input and output channels, stride 1) runs <see cref="DirectConvolution"/> instead, forward and for
/// its weight gradient; an input gradient, which a first layer does not need, takes the im2col path.
/// A stride-1 convolution of 9 to 16 output channels and a short reduction (LeNet-5's conv2, 6→16 5×5)
/// runs its forward pass as <see cref="ChannelVectorConvolution"/>, the channels as the lanes of one
/// 512-bit vector, where <see cref="ChannelVectorConvolution.Preferred"/> says so (its gradients take im2col):
/// LeNet-5's conv2 + ReLU took 1150–1161 µs by im2col + GEMM and 448–464 µs so at inference batch 256,
/// 9.8–12.5 µs and 3.3–3.5 µs at batch 1, on 2 threads (Cnn.Compare profile --nets lenet5).
/// A convolution of stride 1 or 2 with 32 or more output channels runs its forward pass as
/// <see cref="WideChannelVectorConvolution"/> (blocks of 32 channels, any depth) where
/// <see cref="WideChannelVectorConvolution.Preferred"/> says so, for the batches Winograd does not take
/// (a 1×1 strided layer only below the worker count: <see cref="WideChannelVectorConvolution.PointwiseSharedOnly"/>);
/// with fewer images than workers each image is shared among them (by blocks of channels, or bands of
/// rows), and its gradients keep their paths.
/// A 3×3, stride-1 convolution that <see cref="WinogradConvolution.Preferred"/> picks runs Winograd's
/// F(2×2, 3×3) in all three directions from <see cref="WinogradConvolution.MinBatch"/> images on,
/// and im2col below (where transforming the filters each call would cost more than it saves): the
/// choice is made once, here, by that rule.
/// As a fused operator (<see cref="IFusedConv2dOperator"/>), the step that adds the bias to each
/// output row applies the <see cref="ChannelEpilogue"/> instead: the batch norm's scale and shift and
/// the activation, while the row is still in cache. A fused first layer whose pool is a 2×2 max may run
/// <see cref="PooledDirectConvolution"/> instead, which writes only the pooled output (the rule: <see cref="PooledDirectFor"/>).
/// A fused pool after the wide channel-vector path is taken in that path's channel-last registers by
/// <see cref="PooledWideConvolution"/> (the rule: <see cref="PooledWideFor"/>).
/// A 3×3, stride-1 layer on a small plane (at most 14 tiles of 2×2 outputs, 64 or more channels) runs its
/// forward pass by <see cref="WinogradChannelVectorConvolution"/> at every batch (the rule: <see cref="WinogradLanesFor"/>).
/// A 3×3, stride-1 layer with 64 or more channels on a plane of 14×14 or more runs its inference forward
/// pass by Winograd's F(4×4, 3×3) with channels as lanes (<see cref="Winograd4x4Convolution"/>) from the
/// third call in a row with the same weights (the rule: <see cref="Winograd4x4For"/>).
/// Every buffer but the geometry comes from the backend's <see cref="CpuWorkspace"/>, shared with
/// the other layers.
/// </summary>
internal sealed unsafe partial class FastConv2dOperator : IConv2dOperator, IFusedConv2dOperator, IParallelWork
{
    /// <summary>Columns that one GEMM should have at least, when the batch allows it.</summary>
    private const int TargetColumns = 512;

    /// <summary>The most floats a worker's column matrix may hold (8 MB), unless one output row alone needs more.</summary>
    internal const long DefaultMaxColumnFloats = 2L << 20;

    /// <summary>Below this many multiply-adds per image, a small batch stays on the calling thread.</summary>
    private const long SplitImageMacs = 1_000_000;

    /// <summary>The most output channels per group whose weight gradient may be taken as dot products.</summary>
    private const int MaxDotRows = 64;

    private enum Work { Forward, UnfoldSplit, ForwardSplit, ForwardRowBands, Direct, ChannelVector, WideChannelVector, WinogradLanesPack, WinogradLanesInput, WinogradLanes, Winograd4x4, PooledDirect, PooledWinograd, PooledWide, Backward }

    private readonly Conv2dGeometry _g;
    private readonly WorkerPool _pool;
    private readonly int _workers;
    private readonly CpuWorkspace _ws;
    private readonly int _inGroup, _outGroup, _depth, _outPlane, _chunk, _mr, _nr;

    // Output rows per column matrix: OutHeight when a whole image fits the cap, else a band of rows.
    private readonly int _bandRows;
    private readonly bool _pointwise, _weightGradientByDots, _direct, _directWeightGradient, _channelLanesWeightGradient;
    private readonly GemmKernel _kernel;
    private readonly WinogradConvolution? _winograd;

    /// <summary>Winograd's transformed forward filters, kept between inference calls.</summary>
    private readonly PackedWeightCache? _winogradFilters;

    // The forward pass with the output channels as vector lanes (null where the rule leaves the forward pass to the GEMM).
    private readonly ChannelVectorConvolution? _channelVector;

    // The forward pass of wide layers with the output channels as lanes in blocks of 32 (null where the rule leaves it to the other paths),
    // its packed weights, and whether it also takes the batches that Winograd would (only when forced; the backward stays Winograd's).
    private readonly WideChannelVectorConvolution? _wide;
    private readonly PackedWeightCache? _widePacked;
    private readonly bool _wideOverWinograd;

    // Whether the rule gives the wide path only the calls with fewer images than workers (a 1×1 strided layer: WideChannelVectorConvolution.PointwiseSharedOnly).
    private readonly bool _wideSharedOnly;
    private bool _wideSplit, _wideClearPadded;

    // Packs the forward GEMM's columns straight from the images, for the convolutions it takes (null for the others, which unfold first).
    private readonly ImplicitColumns? _implicit;

    // The smallest batch that runs Winograd (int.MaxValue without it); smaller ones run im2col, whose buffers are sized for them alone.
    private readonly int _winogradFromBatch = int.MaxValue;

    // The fused operator's epilogue (null for a plain convolution), and the one of the call in
    // flight: the plain Forward adds the bias alone even on a fused operator.
    private readonly ChannelEpilogue? _epilogue;
    private ChannelEpilogue? _callEpilogue;

    // A fused pool (null for none), and where the call in flight pools to (null: no pooling): each
    // worker pools the images it has just finished, while they are still in its cache.
    private readonly FastPool2dOperator? _fusedPool;
    private float* _pooled;

    // The weights packed for all images: W_g for the forward GEMM (kept between calls while the
    // weights stay the same), W_gᵀ for the input gradient (workspace region PackedWeightsTransposed, once per call).
    private readonly int _packedGroup, _packedGroupTransposed;
    private readonly PackedWeightCache? _packed;

    // The call in flight, read by the workers.
    private Work _work;
    private bool _splitRows, _splitRowBands;
    private int _batch;
    private bool _splitPack;
    private int _splitFirstRow, _splitEndRow;
    private float* _input, _weight, _bias, _output, _outputGradient, _inputGradient, _weightGradient, _biasGradient, _splitImage, _splitColumns, _splitOutput;

    // The wide kernel over the input gradient's geometry, where the rule gives it the input gradient (WideInputGradientFor).
    private readonly WideChannelVectorConvolution? _wideInputGradient;

    // The input gradient of the call in flight that im2col folds: null when there is none or the wide kernel computes it.
    private float* _foldedInputGradient;

    // The packed-weight buffers of the call in flight. The calling thread finds them before any worker
    // starts: a workspace slot may be (re)allocated on first use, so the workers must never be the
    // first to ask for a slot they share.
    private float* _packedWeights, _packedWeightsTransposed;

    /// <param name="geometry">The layer's shapes.</param>
    /// <param name="pool">The backend's workers and workspace.</param>
    /// <param name="maxColumnFloats">The cap on a worker's column matrix; tests lower it to reach the banded path with small images.</param>
    /// <param name="epilogue">What the fused Forward applies after the bias; <see cref="Epilogue.None"/> for a plain convolution.</param>
    /// <param name="winograd">Whether to run Winograd: null to let the rule decide; true for every batch, false for none (tests force either path).</param>
    /// <param name="channelVector">Whether the forward pass runs <see cref="ChannelVectorConvolution"/> (for the batches Winograd does not take): null to let its rule decide, where the direct path does not apply; true forces it, even over the direct path; false never (tests force either).</param>
    /// <param name="wideChannelVector">Whether the forward pass runs <see cref="WideChannelVectorConvolution"/>: null to let its rule decide (for the batches Winograd does not take); true forces it for every batch (the gradients keep their paths); false never.</param>
    /// <param name="winogradChannelVector">Whether the forward pass runs <see cref="WinogradChannelVectorConvolution"/> for the batches Winograd does not take: null to let its rule decide; true forces it; false never.</param>
    /// <param name="pooledWinograd">Whether a fused call with a 2×2 max pool runs <see cref="PooledWinogradConvolution"/>: null to let its rule decide; true wherever it applies (and the pooled direct path does not); false never (probes compare the paths).</param>
    /// <param name="winograd4x4">Whether the forward pass runs <see cref="Winograd4x4Convolution"/> once its weights are steady: null to let its rule decide (when no other forward path is forced); true wherever it applies; false never.</param>
    /// <param name="wideInputGradient">Whether the input gradient (of the batches Winograd does not take) runs on the wide kernel where it applies: null or true, as the rule (<see cref="WideInputGradientFor"/>); false never (tests keep im2col as the reference).</param>
    /// <param name="channelLanesWeightGradient">Whether the weight gradient (of the batches Winograd does not take) runs <see cref="ChannelLanesWeightGradient"/>: null or true where it applies and no other special path takes the layer, false never (tests keep the im2col path as the reference).</param>
    public FastConv2dOperator(in Conv2dGeometry geometry, WorkerPool pool, long maxColumnFloats = DefaultMaxColumnFloats, in Epilogue epilogue = default, bool? winograd = null,
        bool? channelVector = null, bool? wideChannelVector = null, bool? winogradChannelVector = null, bool? pooledWinograd = null, bool? channelLanesWeightGradient = null, bool? winograd4x4 = null,
        bool? wideInputGradient = null)
    {
        GeometryChecks.Validate(geometry, epilogue);
        if (epilogue != Epilogue.None) _epilogue = new ChannelEpilogue(geometry.OutChannels, epilogue);
        if (epilogue.Pool is { } fusedPool) _fusedPool = new FastPool2dOperator(fusedPool, pool);
        _g = geometry;
        _outPlane = _g.OutHeight * _g.OutWidth;
        _pool = pool;
        _workers = pool.Threads;
        _ws = pool.Workspace;
        _kernel = _ws.Kernel;
        (_pooledDirect, _pooledPacked) = PooledDirectFor(geometry);
        (_pooledWinograd, _pooledWinogradPacked) = PooledWinogradFor(geometry, pooledWinograd);
        // Winograd's GEMMs are fp32 only: a bf16 backend convolves through im2col.
        if (_kernel == GemmKernel.Bf16 && winograd == true) throw new ArgumentException("Winograd convolution has no bf16 GEMMs; a bf16 backend convolves through im2col.", nameof(winograd));
        if (_kernel == GemmKernel.Bf16 && channelVector == true) throw new ArgumentException("The channel-vectorised convolution is fp32 only; a bf16 backend convolves through im2col.", nameof(channelVector));
        if (_kernel == GemmKernel.Bf16 && wideChannelVector == true) throw new ArgumentException("The wide channel-vectorised convolution is fp32 only; a bf16 backend convolves through im2col.", nameof(wideChannelVector));
        if (_kernel != GemmKernel.Bf16 && channelVector != true && (wideChannelVector ?? WideChannelVectorConvolution.Preferred(geometry)))
        {
            _wide = new WideChannelVectorConvolution(geometry);
            _wideOverWinograd = wideChannelVector == true;
            _wideSharedOnly = wideChannelVector is null && WideChannelVectorConvolution.PointwiseSharedOnly(geometry);
            int wideWeights = WideChannelVectorConvolution.PackedWeightsSize(geometry);
            _widePacked = new PackedWeightCache(wideWeights, _ws);
            _ws.Reserve(CpuWorkspace.Region.PackedWeights, wideWeights);
            _ws.Reserve(CpuWorkspace.Region.Padded, WideChannelVectorConvolution.PaddedSize(geometry));
        }
        _pooledWide = PooledWideFor(geometry);
        (_winogradLanes, _winogradLanesPacked) = WinogradLanesFor(geometry, winogradChannelVector);
        (_winograd4x4, _winograd4x4Packed) = Winograd4x4For(geometry, winograd4x4,
            others: winograd is not null || channelVector is not null || wideChannelVector is not null || winogradChannelVector is not null);
        if (_kernel != GemmKernel.Bf16 && (winograd ?? WinogradConvolution.Preferred(geometry)))
        {
            int from = winograd == true ? 1 : WinogradConvolution.MinBatch(geometry);
            if (from <= geometry.MaxBatch)
            {
                _winograd = new WinogradConvolution(geometry, pool);
                _winogradFilters = new PackedWeightCache(_winograd.PackedFiltersSize, _ws);
                _winogradFromBatch = from;
            }
        }
        int im2colMaxBatch = Math.Min(_g.MaxBatch, _winogradFromBatch - 1);
        if (im2colMaxBatch < 1) return;
        _inGroup = _g.InChannels / _g.Groups;
        _outGroup = _g.OutChannels / _g.Groups;
        _depth = _inGroup * _g.KernelHeight * _g.KernelWidth;
        _mr = SgemmKernels.Mr(_kernel);
        _nr = SgemmKernels.Nr(_kernel);
        _pointwise = _g.KernelHeight == 1 && _g.KernelWidth == 1 && _g.StrideHeight == 1 && _g.StrideWidth == 1
                     && _g.PaddingHeight == 0 && _g.PaddingWidth == 0;
        // A weight gradient that fills little of a GEMM tile (a first layer's 6×25 or 32×9) is a
        // few hundred dot products along the columns: packing both operands would cost more.
        _weightGradientByDots = (_outGroup < _mr || _depth < _nr) && _outGroup <= MaxDotRows;
        _direct = channelVector != true && DirectConvolution.Applies(_g);
        _directWeightGradient = DirectConvolution.AppliesToWeightGradient(_g);
        // The bf16 backend keeps its GEMM (forcing the path there threw above); a forced path must fit (the constructor says why not).
        if (!_direct && _kernel != GemmKernel.Bf16 && (channelVector ?? ChannelVectorConvolution.Preferred(_g))) _channelVector = new ChannelVectorConvolution(_g);
        if (!_pointwise && !_direct && _channelVector is null && ImplicitColumns.Applies(_g, _kernel)) _implicit = new ImplicitColumns(_g);
        _wideInputGradient = wideInputGradient == false ? null : WideInputGradientFor(_g);
        // The weight gradient without im2col, output channels as lanes (measured on the CIFAR AlexNet-like 64→192 4×4 layer).
        _channelLanesWeightGradient = channelLanesWeightGradient != false && _kernel != GemmKernel.Bf16 && !_pointwise && !_directWeightGradient
                                      && _channelVector is null && ChannelLanesWeightGradient.Applies(_g);

        // Images per GEMM: enough for TargetColumns, no more than a worker's share of the largest
        // batch, and a column matrix within maxColumnFloats. A pointwise convolution reads its
        // input in place, one image at a time. An image too large for the cap goes in bands of
        // output rows, as many rows as fit (at least one).
        long columnRows = (long)_g.InChannels * _g.KernelHeight * _g.KernelWidth;
        int share = (im2colMaxBatch + _workers - 1) / _workers;
        _chunk = _pointwise ? 1 : (int)Math.Clamp(Math.Min((TargetColumns + _outPlane - 1) / _outPlane, maxColumnFloats / (columnRows * _outPlane)), 1, share);
        _bandRows = _pointwise || columnRows * _outPlane <= maxColumnFloats
            ? _g.OutHeight
            : (int)Math.Clamp(maxColumnFloats / (columnRows * _g.OutWidth), 1, _g.OutHeight);
        int columns = Banded ? _bandRows * _g.OutWidth : _chunk * _outPlane;

        // The three GEMMs per group: forward [outGroup × columns × depth], weight gradient
        // [outGroup × depth × columns], input gradient [depth × columns × outGroup].
        int maxM = Math.Max(_outGroup, _depth), maxN = Math.Max(columns, _depth), maxK = Math.Max(_depth, Math.Max(columns, _outGroup));
        _packedGroup = Sgemm.PackedASize(_kernel, _outGroup, _depth);
        _packedGroupTransposed = Sgemm.PackedASize(_kernel, _depth, _outGroup);
        int packedWeights = _channelVector is null ? checked(_g.Groups * _packedGroup) : ChannelVectorConvolution.PackedWeightsSize(_g);
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, packedWeights);
        if (!_direct) _packed = new PackedWeightCache(packedWeights, _ws);
        _ws.Reserve(CpuWorkspace.Region.PackedWeightsTransposed, (long)_g.Groups * _packedGroupTransposed);
        _ws.ReserveGemm(maxM, maxN, maxK);
        if (_direct || _directWeightGradient) _ws.Reserve(CpuWorkspace.Region.Padded, DirectConvolution.PaddedSize(_g));
        if (_channelVector is not null)
        {
            _ws.Reserve(CpuWorkspace.Region.Padded, ChannelVectorConvolution.PaddedSize(_g));
            _ws.Reserve(CpuWorkspace.Region.Scratch, ChannelVectorConvolution.GradientScratchSize(_g));
        }
        if (_directWeightGradient) _ws.Reserve(CpuWorkspace.Region.PaddedGradient, DirectConvolution.PaddedGradientSize(_g));
        if (!_pointwise) _ws.Reserve(CpuWorkspace.Region.Columns, columnRows * columns);
        if (_channelLanesWeightGradient) _ws.Reserve(CpuWorkspace.Region.Columns, ChannelLanesWeightGradient.ScratchSize(_g));
        if (_chunk > 1) _ws.Reserve(CpuWorkspace.Region.Scratch, (long)_g.OutChannels * columns);
        if (_workers > 1)
        {
            _ws.Reserve(CpuWorkspace.Region.WeightPartials, _g.WeightSize);
            _ws.Reserve(CpuWorkspace.Region.BiasPartials, _g.OutChannels);
        }
    }

    /// <summary>
    /// The rule for the input gradient below Winograd's batches: a stride-1, undilated, ungrouped
    /// convolution padded by less than its kernel, with at least one block of
    /// <see cref="WideChannelVectorConvolution.MinOutChannels"/> input channels, takes it as the forward
    /// pass of <see cref="WideChannelVectorConvolution.InputGradientGeometry"/> on the wide kernel
    /// (dY convolved with the turned filters) rather than as Wᵀ·dY folded back by im2col. Measured
    /// (<c>Cnn.Compare gradients --threads 2 --repeats 20</c>, batch 64, two runs, best calls): the
    /// MNIST tutorial net's 32→64 3×3 at 14×14 1.23–1.25 → 1.01–1.03 ms, the CIFAR net's 64→192 4×4
    /// at 15×15 13.5–14.5 → 12.7–13.2 ms.
    /// </summary>
    private WideChannelVectorConvolution? WideInputGradientFor(in Conv2dGeometry g)
    {
        if (_kernel == GemmKernel.Bf16 || _pointwise || g.Groups != 1 || g.StrideHeight != 1 || g.StrideWidth != 1 || g.DilationHeight != 1 || g.DilationWidth != 1
            || g.PaddingHeight >= g.KernelHeight || g.PaddingWidth >= g.KernelWidth || g.InChannels < WideChannelVectorConvolution.MinOutChannels)
            return null;
        Conv2dGeometry transposed = WideChannelVectorConvolution.InputGradientGeometry(g);
        if (!WideChannelVectorConvolution.Applies(transposed)) return null;
        _ws.Reserve(CpuWorkspace.Region.PackedWeightsTransposed, WideChannelVectorConvolution.PackedWeightsSize(transposed));
        _ws.Reserve(CpuWorkspace.Region.Padded, WideChannelVectorConvolution.PaddedSize(transposed));
        return new WideChannelVectorConvolution(transposed);
    }

    /// <summary>Bytes of the weights kept packed between calls (0 until two calls in a row see the same weights).</summary>
    internal long KeptWeightBytes => (_packed?.AllocatedBytes ?? 0) + (_widePacked?.AllocatedBytes ?? 0) + (_winogradFilters?.AllocatedBytes ?? 0) + (_winograd4x4Packed?.AllocatedBytes ?? 0);

    /// <summary>True when a call on <paramref name="batch"/> images runs Winograd's F(2×2, 3×3).</summary>
    internal bool UsesWinograd(int batch) => batch >= _winogradFromBatch;

    /// <summary>True when a forward call on <paramref name="batch"/> images runs <see cref="WideChannelVectorConvolution"/>.</summary>
    internal bool UsesWideChannelVector(int batch) => _wide is not null && (_wideOverWinograd || batch < _winogradFromBatch) && !(_wideSharedOnly && batch >= _workers);

    /// <summary>True when the forward pass runs <see cref="ChannelVectorConvolution"/> (below Winograd's batches).</summary>
    internal bool UsesChannelVector => _channelVector is not null;

    /// <summary>Whether the input gradient (below Winograd's batches) runs on the wide kernel (for tests).</summary>
    internal bool UsesWideInputGradient => _wideInputGradient is not null;

    /// <summary>Whether the weight gradient runs <see cref="ChannelLanesWeightGradient"/> (for tests).</summary>
    internal bool UsesChannelLanesWeightGradient => _channelLanesWeightGradient;

    /// <summary>Output rows per column matrix: OutHeight unless an image's columns exceed the cap.</summary>
    internal int BandRows => _bandRows;

    /// <summary>True when an image's column matrix is unfolded in bands of output rows.</summary>
    private bool Banded => _bandRows < _g.OutHeight;

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        _callEpilogue = null;
        _pooled = null;
        Run(batch, input, weight, bias, output);
    }

    /// <inheritdoc/>
    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, in BatchNormTensors batchNorm, Tensor output, Tensor unpooled = default)
    {
        if (_epilogue is null) throw new InvalidOperationException("This convolution was created without an epilogue; create it with IBackend.CreateFusedConv2d.");
        _epilogue.Prepare(_g.HasBias ? bias : default, batchNorm);
        _callEpilogue = _epilogue;
        _pooled = null;
        if (_fusedPool is null)
        {
            Run(batch, input, weight, bias, output);
            return;
        }
        if (unpooled.IsEmpty) throw new ArgumentException("A fused convolution with a pool needs the unpooled tensor to convolve into.", nameof(unpooled));
        GeometryChecks.Batch(batch, _g.MaxBatch);
        _pooled = CpuTensor.Pointer(output, (long)batch * _fusedPool.Geometry.OutputSize, nameof(output));
        try
        {
            if (!ForwardPooledDirect(batch, input, weight, unpooled) && !ForwardPooledWinograd(batch, input, weight, unpooled)
                && !ForwardPooledWide(batch, input, weight, unpooled)) Run(batch, input, weight, bias, unpooled);
        }
        finally
        {
            _pooled = null;
        }
    }

    private void Run(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        _input = CpuTensor.Pointer(input, (long)batch * _g.InputSize, nameof(input));
        _weight = CpuTensor.Pointer(weight, _g.WeightSize, nameof(weight));
        _bias = _g.HasBias ? CpuTensor.Pointer(bias, _g.OutChannels, nameof(bias)) : null;
        _output = CpuTensor.Pointer(output, (long)batch * _g.OutputSize, nameof(output));
        _batch = batch;
        if (_winograd4x4 is not null && ForwardWinograd4x4(batch, weight)) return;
        if (UsesWinogradLanes(batch))
        {
            ForwardWinogradLanes(batch, weight);
            return;
        }
        if (UsesWideChannelVector(batch))
        {
            ForwardWide(batch, weight);
            return;
        }
        if (batch >= _winogradFromBatch)
        {
            float* filters = _winogradFilters!.Find(weight, out bool transform);
            _winograd!.Forward(batch, _input, _weight, _bias, _callEpilogue, _output, filters, transform);
            if (_pooled != null) _fusedPool!.ForwardAllImages(_output, _pooled, batch);
            return;
        }

        if (_direct)
        {
            _work = Work.Direct;
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }

        _packedWeights = _packed!.Find(weight, out bool pack);
        if (_channelVector is not null)
        {
            if (pack) ChannelVectorConvolution.PackWeights(_g, _weight, _packedWeights);
            _work = Work.ChannelVector;
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }
        int splitWorkers = SplitWorkers(batch);
        if (pack && (splitWorkers <= 1 || !_splitRows)) PackWeights(0, _outGroup);
        if (splitWorkers <= 1)
        {
            _work = Work.Forward;
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }
        if (_splitRowBands)
        {
            // Every worker a band of each image's output rows: it unfolds and multiplies its own band, one dispatch per image.
            _work = Work.ForwardRowBands;
            for (int n = 0; n < batch; n++)
            {
                _splitImage = _input + (long)n * _g.InputSize;
                _splitOutput = _output + (long)n * _g.OutputSize;
                _pool.Run(this, splitWorkers);
            }
            if (_pooled != null) _fusedPool!.ForwardAllImages(_output, _pooled, batch);
            return;
        }

        // Fewer images than workers: every worker takes a share of each image's GEMM (of each band's,
        // for a banded image). A share of rows packs its own rows of the weights, with the first one.
        _work = Work.ForwardSplit;
        float* columns = _ws.Get(CpuWorkspace.Region.Columns);
        for (int n = 0; n < batch; n++)
            for (int y0 = 0; y0 < _g.OutHeight; y0 += _bandRows)
            {
                float* image = _input + (long)n * _g.InputSize;
                _splitImage = image;
                _splitFirstRow = y0;
                _splitEndRow = Math.Min(_g.OutHeight, y0 + _bandRows);
                _splitColumns = _pointwise ? image : columns;
                if (!_pointwise && _implicit is null)
                {
                    _work = Work.UnfoldSplit;
                    _pool.Run(this, Math.Min(splitWorkers, _g.InChannels));
                }
                _work = Work.ForwardSplit;
                _splitOutput = _output + (long)n * _g.OutputSize + (long)y0 * _g.OutWidth;
                _splitPack = pack && n == 0 && y0 == 0;
                _pool.Run(this, splitWorkers);
            }
        // The workers shared each image: it is whole only now.
        if (_pooled != null) _fusedPool!.ForwardAllImages(_output, _pooled, batch);
    }

    /// <summary>
    /// The forward pass by <see cref="WideChannelVectorConvolution"/>: a share of the images per
    /// worker, each finished (epilogue, pool) while in cache; or, with fewer images than workers and
    /// enough work per image, every image shared among the workers (by blocks of channels or bands of
    /// rows), pooled once all are whole.
    /// </summary>
    private void ForwardWide(int batch, Tensor weight)
    {
        _packedWeights = _widePacked!.Find(weight, out bool pack);
        if (pack) WideChannelVectorConvolution.PackWeights(_g, _weight, _packedWeights);
        _work = Work.WideChannelVector;
        int splitWorkers = Math.Min(_workers, _wide!.ShareUnits(_workers));
        long macs = (long)_g.OutChannels * _g.InChannels * _g.KernelHeight * _g.KernelWidth * _g.OutHeight * _g.OutWidth;
        _wideSplit = batch < _workers && splitWorkers > 1 && macs >= SplitImageMacs;
        if (!_wideSplit)
        {
            _pool.Run(this, Math.Min(_workers, batch));
            return;
        }
        for (int n = 0; n < batch; n++)
        {
            _splitImage = _input + (long)n * _g.InputSize;
            _splitOutput = _output + (long)n * _g.OutputSize;
            _wideClearPadded = n == 0; // the padded copies' borders: cleared with each worker's first image of the call
            _pool.Run(this, splitWorkers);
        }
        if (_pooled != null) _fusedPool!.ForwardAllImages(_output, _pooled, batch);
    }

    /// <summary>
    /// Packs rows [first, end) of every group's weights for the forward GEMM, as a packed matrix of
    /// their own at the packed size of the first rows in the group's space: with first a multiple of MR, the shares
    /// of all workers tile that space without overlap.
    /// </summary>
    private void PackWeights(int first, int end)
    {
        float* packed = _packedWeights;
        for (int group = 0; group < _g.Groups; group++)
                Sgemm.PackA(_kernel, end - first, _depth, _weight + ((long)group * _outGroup + first) * _depth, _depth, false,
                    packed + (long)group * _packedGroup + Sgemm.PackedASize(_kernel, first, _depth));
    }

    /// <summary>
    /// How many workers split one image's forward GEMM: 1 unless the batch leaves workers idle and the
    /// image is worth it. An image whose column matrix is at least twice the weights (outPlane ≥
    /// 2·OutChannels: the MNIST net's 32→64 at 14×14) and fits whole is split by bands of output rows,
    /// each worker unfolding and multiplying its own band against all the weights; otherwise, by rows
    /// of output channels (each worker reads only its share of the weights, as batch-1 inference on
    /// large layers wants) or by columns of the shared column matrix.
    /// </summary>
    private int SplitWorkers(int batch)
    {
        _splitRowBands = false;
        if (batch >= _workers || _g.Groups != 1 || (long)_outGroup * _depth * _outPlane < SplitImageMacs) return 1;
        if (!Banded && _outPlane >= 2 * _outGroup && _g.OutHeight >= 2)
        {
            _splitRowBands = true;
            return Math.Min(_workers, _g.OutHeight);
        }
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
        // An empty weight or bias gradient is not computed (a frozen parameter), as an empty input gradient.
        _weightGradient = CpuTensor.OptionalPointer(weightGradient, _g.WeightSize, nameof(weightGradient));
        _biasGradient = _g.HasBias ? CpuTensor.OptionalPointer(biasGradient, _g.OutChannels, nameof(biasGradient)) : null;
        if (_inputGradient == null && _weightGradient == null && _biasGradient == null) return;
        if (batch >= _winogradFromBatch)
        {
            _winograd!.Backward(batch, _input, _weight, _outputGradient, _inputGradient, _weightGradient, _biasGradient);
            return;
        }
        _batch = batch;
        _work = Work.Backward;
        _packedWeightsTransposed = _ws.Get(CpuWorkspace.Region.PackedWeightsTransposed);
        _foldedInputGradient = _wideInputGradient is null ? _inputGradient : null;
        if (_inputGradient != null && _wideInputGradient is not null)
            WideChannelVectorConvolution.PackInputGradientWeights(_g, _weight, _packedWeightsTransposed);
        else if (_inputGradient != null)
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
            if (_weightGradient != null) RowOps.Add(_ws.Get(CpuWorkspace.Region.WeightPartials, w), _weightGradient, _g.WeightSize);
            if (_biasGradient != null) RowOps.Add(_ws.Get(CpuWorkspace.Region.BiasPartials, w), _biasGradient, _g.OutChannels);
        }
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        switch (_work)
        {
            case Work.PooledDirect: ExecutePooledDirect(worker, workers); return;
            case Work.PooledWinograd: ExecutePooledWinograd(worker, workers); return;
            case Work.Winograd4x4: ExecuteWinograd4x4(worker, workers); return;
            case Work.PooledWide: ExecutePooledWide(worker, workers); return;
        }
        if (_work == Work.UnfoldSplit)
        {
            // A share of the input channels: each owns a contiguous band of the column matrix's rows.
            (int c0, int c1) = WorkerPool.Share(_g.InChannels, worker, workers);
            int taps = _g.KernelHeight * _g.KernelWidth, bandColumns = (_splitEndRow - _splitFirstRow) * _g.OutWidth;
            Im2Col.Unfold(_g with { InChannels = c1 - c0 }, _splitImage + (long)c0 * _g.InHeight * _g.InWidth,
                _splitColumns + (long)c0 * taps * bandColumns, bandColumns, _splitFirstRow, _splitEndRow);
            return;
        }
        if (_work == Work.ForwardSplit)
        {
            ForwardSplitShare(worker, workers);
            return;
        }
        if (_work == Work.ForwardRowBands)
        {
            ForwardRowBand(worker, workers);
            return;
        }

        if (_work is Work.WinogradLanes or Work.WinogradLanesInput or Work.WinogradLanesPack)
        {
            ExecuteWinogradLanes(worker, workers);
            return;
        }
        if (_work == Work.WideChannelVector && _wideSplit)
        {
            _wide!.Share(worker, workers, out int b0, out int b1, out int y0, out int y1);
            if (b0 >= b1 || y0 >= y1) return;
            _wide.Forward(_splitImage, _packedWeights, _callEpilogue is null ? _bias : null, _splitOutput, _ws.Get(CpuWorkspace.Region.Padded, worker), _wideClearPadded, b0, b1, y0, y1);
            if (_callEpilogue is null) return;
            int o1 = Math.Min(_g.OutChannels, b1 * WideChannelVectorConvolution.BlockChannels);
            for (int o = b0 * WideChannelVectorConvolution.BlockChannels; o < o1; o++)
            {
                float* rows = _splitOutput + (long)o * _outPlane + (long)y0 * _g.OutWidth;
                _callEpilogue.Apply(rows, rows, (y1 - y0) * _g.OutWidth, o);
            }
            return;
        }

        (int first, int end) = WorkerPool.Share(_batch, worker, workers);
        if (_work is Work.Direct or Work.ChannelVector or Work.WideChannelVector)
        {
            // One image at a time, each finished (epilogue, pool) while it is in cache.
            float* padded = _ws.Get(CpuWorkspace.Region.Padded, worker);
            for (int n = first; n < end; n++)
            {
                float* input = _input + (long)n * _g.InputSize, output = _output + (long)n * _g.OutputSize;
                float* bias = _callEpilogue is null ? _bias : null;
                if (_work == Work.Direct) DirectConvolution.Forward(_g, input, _weight, bias, output, padded);
                else if (_work == Work.WideChannelVector) _wide!.Forward(input, _packedWeights, bias, output, padded, clearPadded: n == first, 0, _wide.Blocks, 0, _g.OutHeight);
                else _channelVector!.Forward(input, _packedWeights, bias, output, padded, clearPadded: n == first);
                if (_callEpilogue is not null)
                    for (int o = 0; o < _g.OutChannels; o++) _callEpilogue.Apply(output + (long)o * _outPlane, output + (long)o * _outPlane, _outPlane, o);
                PoolImages(n, n + 1);
            }
            return;
        }
        if (_work == Work.Backward)
        {
            BackwardShare(worker, first, end);
            return;
        }

        if (Banded)
        {
            for (int n = first; n < end; n++)
            {
                ForwardBands(worker, n);
                PoolImages(n, n + 1);
            }
            return;
        }

        // Chunks of near-equal size, none larger than _chunk.
        int count = end - first, chunks = (count + _chunk - 1) / _chunk;
        for (int c = 0; c < chunks; c++)
        {
            (int from, int to) = WorkerPool.Share(count, c, chunks);
            ForwardChunk(worker, first + from, to - from);
            PoolImages(first + from, first + to);
        }
    }

    /// <summary>
    /// This call's finish as the channel-lane kernels take it, lane by lane: the epilogue's scale,
    /// shift and negative slope where <see cref="PooledWideConvolution.Takes"/> it, else none (null,
    /// null, 1); without an epilogue the bias as the shift. Returns false for an epilogue taken on the
    /// rows afterwards (<see cref="FinishRows"/>).
    /// </summary>
    private bool LaneFinish(out float* scale, out float* shift, out float slope)
    {
        ChannelEpilogue? epilogue = _callEpilogue;
        bool lanes = epilogue is null || PooledWideConvolution.Takes(epilogue);
        bool takesEpilogue = epilogue is not null && lanes;
        scale = takesEpilogue ? epilogue!.ScalePointer : null;
        shift = takesEpilogue ? epilogue!.ShiftPointer : epilogue is null ? _bias : null;
        slope = takesEpilogue ? epilogue!.SelectSlope : 1f;
        return lanes;
    }

    /// <summary>
    /// Output rows [y0, y1) of channels [<paramref name="firstChannel"/>, <paramref name="endChannel"/>)
    /// (all by default) of one image, finished in place: by <paramref name="epilogue"/>, else by the bias (if any).
    /// </summary>
    private void FinishRows(float* output, int y0, int y1, ChannelEpilogue? epilogue, int firstChannel = 0, int endChannel = -1)
    {
        int count = (y1 - y0) * _g.OutWidth;
        for (int o = firstChannel, end = endChannel < 0 ? _g.OutChannels : endChannel; o < end; o++)
        {
            float* row = output + (long)o * _outPlane + (long)y0 * _g.OutWidth;
            if (epilogue is not null) epilogue.Apply(row, row, count, o);
            else if (_bias != null) RowOps.AddScalar(row, count, _bias[o]);
        }
    }

    /// <summary>Pools images [first, end), which this worker has just finished, when the call has a fused pool.</summary>
    private void PoolImages(int first, int end)
    {
        if (_pooled != null) _fusedPool!.ForwardImages(_output, _pooled, first, end);
    }

    private void ForwardChunk(int worker, int first, int count)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        int columns = count * _outPlane;
        float* columnBuffer = _ws.Get(CpuWorkspace.Region.Columns, worker), scratch = _ws.Get(CpuWorkspace.Region.Scratch, worker), packedWeights = _packedWeights;
        float* image = _input + (long)first * _g.InputSize;

        // One image writes its output directly; several go through the scratch matrix, one band per image.
        float* target = count == 1 ? _output + (long)first * _g.OutputSize : scratch;
        if (_implicit is not null)
        {
            ImplicitColumns.Source source = _implicit.For(image);
            Sgemm.MultiplyPacked(ws, _outGroup, columns, _depth, packedWeights, ref source, target, columns, accumulate: false);
        }
        else
        {
            float* b = _pointwise ? image : columnBuffer;
            if (!_pointwise)
                for (int j = 0; j < count; j++) Im2Col.Unfold(_g, image + (long)j * _g.InputSize, columnBuffer + j * _outPlane, columns);
            for (int group = 0; group < _g.Groups; group++)
                Sgemm.MultiplyPacked(ws, _outGroup, columns, _depth, packedWeights + (long)group * _packedGroup,
                    b + (long)group * _depth * columns, columns, false,
                    target + (long)group * _outGroup * columns, columns, accumulate: false);
        }

        if (count == 1)
        {
            for (int o = 0; o < _g.OutChannels; o++) Finish(target + (long)o * _outPlane, target + (long)o * _outPlane, _outPlane, o);
            return;
        }
        for (int j = 0; j < count; j++)
        {
            float* output = _output + (long)(first + j) * _g.OutputSize;
            for (int o = 0; o < _g.OutChannels; o++)
                Finish(scratch + (long)o * columns + j * _outPlane, output + (long)o * _outPlane, _outPlane, o);
        }
    }

    /// <summary>One image in bands of output rows: unfold a band, then one GEMM per group into the band's columns of each output plane.</summary>
    private void ForwardBands(int worker, int n)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        float* columnBuffer = _ws.Get(CpuWorkspace.Region.Columns, worker), packedWeights = _packedWeights;
        float* image = _input + (long)n * _g.InputSize, output = _output + (long)n * _g.OutputSize;
        for (int y0 = 0; y0 < _g.OutHeight; y0 += _bandRows)
        {
            int y1 = Math.Min(_g.OutHeight, y0 + _bandRows), columns = (y1 - y0) * _g.OutWidth;
            Im2Col.Unfold(_g, image, columnBuffer, columns, y0, y1);
            for (int group = 0; group < _g.Groups; group++)
                Sgemm.MultiplyPacked(ws, _outGroup, columns, _depth, packedWeights + (long)group * _packedGroup,
                    columnBuffer + (long)group * _depth * columns, columns, false,
                    output + (long)group * _outGroup * _outPlane + (long)y0 * _g.OutWidth, _outPlane, accumulate: false);
        }
        for (int o = 0; o < _g.OutChannels; o++) Finish(output + (long)o * _outPlane, output + (long)o * _outPlane, _outPlane, o);
    }

    /// <summary>
    /// The last touch of one output row: destination = source + bias for a plain call (a copy when
    /// they differ), the epilogue for a fused one.
    /// </summary>
    private void Finish(float* source, float* destination, int count, int channel)
    {
        if (_callEpilogue is not null) _callEpilogue.Apply(source, destination, count, channel);
        else if (source != destination) RowOps.CopyAddScalar(source, destination, count, _bias != null ? _bias[channel] : 0f);
        else if (_bias != null) RowOps.AddScalar(destination, count, _bias[channel]);
    }

    /// <summary>This worker's band of the image's output rows: unfold the band, one GEMM against all the weights, finish its rows.</summary>
    private void ForwardRowBand(int worker, int workers)
    {
        (int y0, int y1) = WorkerPool.Share(_g.OutHeight, worker, workers);
        if (y0 >= y1) return;
        GemmWorkspace ws = _ws.Gemm(worker);
        int columns = (y1 - y0) * _g.OutWidth;
        float* b, output = _splitOutput + (long)y0 * _g.OutWidth;
        long ldb;
        if (_implicit is not null)
        {
            ImplicitColumns.Source source = _implicit.For(_splitImage, firstColumn: y0 * _g.OutWidth);
            Sgemm.MultiplyPacked(ws, _outGroup, columns, _depth, _packedWeights, ref source, output, _outPlane, accumulate: false);
            for (int o = 0; o < _g.OutChannels; o++) Finish(output + (long)o * _outPlane, output + (long)o * _outPlane, columns, o);
            return;
        }
        if (_pointwise)
        {
            b = _splitImage + (long)y0 * _g.OutWidth;
            ldb = _outPlane;
        }
        else
        {
            b = _ws.Get(CpuWorkspace.Region.Columns, worker);
            ldb = columns;
            Im2Col.Unfold(_g, _splitImage, b, columns, y0, y1);
        }
        Sgemm.MultiplyPacked(ws, _outGroup, columns, _depth, _packedWeights, b, (int)ldb, false, output, _outPlane, accumulate: false);
        for (int o = 0; o < _g.OutChannels; o++) Finish(output + (long)o * _outPlane, output + (long)o * _outPlane, columns, o);
    }

    /// <summary>
    /// A share of the split image's GEMM: <paramref name="m"/> rows of the packed weights times columns
    /// [<paramref name="firstColumn"/>, + <paramref name="columns"/>) of the band's column matrix,
    /// packed straight from the image when the convolution allows it, else read from the shared unfold.
    /// </summary>
    private void MultiplySplitShare(GemmWorkspace ws, int m, int firstColumn, int columns, float* packedWeights, float* output)
    {
        if (_implicit is not null)
        {
            ImplicitColumns.Source source = _implicit.For(_splitImage, _splitFirstRow * _g.OutWidth + firstColumn);
            Sgemm.MultiplyPacked(ws, m, columns, _depth, packedWeights, ref source, output, _outPlane, accumulate: false);
            return;
        }
        int ldb = (_splitEndRow - _splitFirstRow) * _g.OutWidth;
        Sgemm.MultiplyPacked(ws, m, columns, _depth, packedWeights, _splitColumns + firstColumn, ldb, false, output, _outPlane, accumulate: false);
    }

    private void ForwardSplitShare(int worker, int workers)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        float* packedWeights = _packedWeights;
        int columns = (_splitEndRow - _splitFirstRow) * _g.OutWidth;
        if (_splitRows)
        {
            (int start, int end) = WorkerPool.Share((_outGroup + _mr - 1) / _mr, worker, workers);
            int i0 = start * _mr, i1 = Math.Min(_outGroup, end * _mr);
            if (i0 >= i1) return;
            if (_splitPack) PackWeights(i0, i1);
            MultiplySplitShare(ws, i1 - i0, 0, columns, packedWeights + Sgemm.PackedASize(_kernel, i0, _depth), _splitOutput + (long)i0 * _outPlane);
            for (int o = i0; o < i1; o++) Finish(_splitOutput + (long)o * _outPlane, _splitOutput + (long)o * _outPlane, columns, o);
        }
        else
        {
            (int start, int end) = WorkerPool.Share((columns + _nr - 1) / _nr, worker, workers);
            int j0 = start * _nr, j1 = Math.Min(columns, end * _nr);
            if (j0 >= j1) return;
            MultiplySplitShare(ws, _outGroup, j0, j1 - j0, packedWeights, _splitOutput + j0);
            for (int o = 0; o < _g.OutChannels; o++) Finish(_splitOutput + (long)o * _outPlane + j0, _splitOutput + (long)o * _outPlane + j0, j1 - j0, o);
        }
    }

    private void BackwardShare(int worker, int first, int end)
    {
        float* weightPartial = worker == 0 ? null : _ws.Get(CpuWorkspace.Region.WeightPartials, worker), biasPartial = worker == 0 ? null : _ws.Get(CpuWorkspace.Region.BiasPartials, worker);
        float* weightGradient = _weightGradient == null ? null : worker == 0 ? _weightGradient : weightPartial;
        float* biasGradient = _biasGradient == null ? null : worker == 0 ? _biasGradient : biasPartial;
        if (first == end)
        {
            if (weightGradient != null) new Span<float>(weightGradient, _g.WeightSize).Clear();
            if (biasGradient != null) new Span<float>(biasGradient, _g.OutChannels).Clear();
            return;
        }

        if (_inputGradient != null && _wideInputGradient is not null)
        {
            float* padded = _ws.Get(CpuWorkspace.Region.Padded, worker);
            for (int n = first; n < end; n++)
                _wideInputGradient.Forward(_outputGradient + (long)n * _g.OutputSize, _packedWeightsTransposed, null, _inputGradient + (long)n * _g.InputSize,
                    padded, clearPadded: n == first, 0, _wideInputGradient.Blocks, 0, _g.InHeight);
            if (weightGradient == null && biasGradient == null) return;
        }
        if (_channelVector is not null && (weightGradient != null || biasGradient != null))
        {
            // The weight and bias gradients with the output channels as lanes; the input gradient (if wanted) below, by im2col.
            _channelVector.WeightGradient(end - first, _input + (long)first * _g.InputSize, _outputGradient + (long)first * _g.OutputSize,
                weightGradient, biasGradient, accumulate: false, _ws.Get(CpuWorkspace.Region.Scratch, worker), _ws.Get(CpuWorkspace.Region.Padded, worker));
            if (_foldedInputGradient == null) return;
            weightGradient = biasGradient = null;
        }
        if (_channelLanesWeightGradient && weightGradient != null)
        {
            // The weight and bias gradients over the worker's images first (its column buffer as scratch), then the input gradient by im2col.
            ChannelLanesWeightGradient.Run(_g, end - first, _input + (long)first * _g.InputSize, _outputGradient + (long)first * _g.OutputSize,
                weightGradient, biasGradient, _ws.Get(CpuWorkspace.Region.Columns, worker));
            if (_foldedInputGradient == null) return;
            weightGradient = biasGradient = null;
        }
        if (_directWeightGradient && _foldedInputGradient == null)
        {
            float* padded = _ws.Get(CpuWorkspace.Region.Padded, worker), paddedGradient = _ws.Get(CpuWorkspace.Region.PaddedGradient, worker);
            for (int n = first; n < end; n++)
                DirectConvolution.WeightGradient(_g, _input + (long)n * _g.InputSize, _outputGradient + (long)n * _g.OutputSize,
                    weightGradient, biasGradient, accumulate: n > first, padded, paddedGradient);
            return;
        }
        if (Banded)
        {
            for (int n = first; n < end; n++) BackwardBands(worker, n, weightGradient, biasGradient, accumulate: n > first);
            return;
        }

        int count = end - first, chunks = (count + _chunk - 1) / _chunk;
        for (int c = 0; c < chunks; c++)
        {
            (int from, int to) = WorkerPool.Share(count, c, chunks);
            BackwardChunk(worker, first + from, to - from, weightGradient, biasGradient, accumulate: c > 0);
        }
    }

    /// <summary>
    /// dW (+)= dY · columnsᵀ one column of dW at a time: the dot products of a row of the columns with
    /// every row of dY, whose rows lie <paramref name="dyStride"/> floats apart.
    /// </summary>
    private void WeightGradientByDots(float* dy, long dyStride, float* unfolded, float* dw, int columns, bool accumulate)
    {
        float* dots = stackalloc float[_outGroup];
        for (int j = 0; j < _depth; j++)
        {
            DotRows.Run(unfolded + (long)j * columns, dy, dyStride, null, dots, columns, 0, _outGroup);
            for (int o = 0; o < _outGroup; o++)
                dw[(long)o * _depth + j] = accumulate ? dw[(long)o * _depth + j] + dots[o] : dots[o];
        }
    }

    private void BackwardChunk(int worker, int first, int count, float* weightGradient, float* biasGradient, bool accumulate)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        int columns = count * _outPlane;
        float* columnBuffer = _ws.Get(CpuWorkspace.Region.Columns, worker), scratch = _ws.Get(CpuWorkspace.Region.Scratch, worker);
        float* image = _input + (long)first * _g.InputSize;
        float* b = _pointwise ? image : columnBuffer;
        if (!_pointwise && weightGradient != null)
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

        if (biasGradient != null)
            for (int o = 0; o < _g.OutChannels; o++)
            {
                float sum = RowOps.Sum(outputGradient + (long)o * columns, columns);
                biasGradient[o] = accumulate ? biasGradient[o] + sum : sum;
            }

        if (weightGradient != null) WeightGradient(ws, outputGradient, columns, b, columns, weightGradient, accumulate);
        if (_foldedInputGradient == null) return;

        // dColumns = Wᵀ · dY, then fold back onto each image (the columns are no longer needed).
        float* inputGradient = _foldedInputGradient + (long)first * _g.InputSize;
        float* target = _pointwise ? inputGradient : columnBuffer;
        ColumnGradient(ws, outputGradient, columns, target, columns);
        if (_pointwise) return;
        for (int j = 0; j < count; j++)
        {
            float* dx = inputGradient + (long)j * _g.InputSize;
            new Span<float>(dx, _g.InputSize).Clear();
            Im2Col.Fold(_g, columnBuffer + j * _outPlane, dx, columns);
        }
    }

    /// <summary>
    /// One image in bands of output rows: the bias gradient over whole planes, then per band the
    /// band's columns, dW (+)= dY_band · columns_bandᵀ, and dColumns_band = Wᵀ · dY_band folded onto
    /// dx. A band of dY is a range of each output plane, so it is read with the plane as row stride.
    /// Bands' receptive fields overlap, so dx is cleared once, before the first band.
    /// </summary>
    private void BackwardBands(int worker, int n, float* weightGradient, float* biasGradient, bool accumulate)
    {
        GemmWorkspace ws = _ws.Gemm(worker);
        float* columnBuffer = _ws.Get(CpuWorkspace.Region.Columns, worker);
        float* image = _input + (long)n * _g.InputSize, outputGradient = _outputGradient + (long)n * _g.OutputSize;
        float* dx = _foldedInputGradient == null ? null : _foldedInputGradient + (long)n * _g.InputSize;

        if (biasGradient != null)
            for (int o = 0; o < _g.OutChannels; o++)
            {
                float sum = RowOps.Sum(outputGradient + (long)o * _outPlane, _outPlane);
                biasGradient[o] = accumulate ? biasGradient[o] + sum : sum;
            }
        if (dx != null) new Span<float>(dx, _g.InputSize).Clear();

        for (int y0 = 0; y0 < _g.OutHeight; y0 += _bandRows)
        {
            int y1 = Math.Min(_g.OutHeight, y0 + _bandRows), columns = (y1 - y0) * _g.OutWidth;
            bool sum = accumulate || y0 > 0;
            float* band = outputGradient + (long)y0 * _g.OutWidth;
            if (weightGradient != null)
            {
                Im2Col.Unfold(_g, image, columnBuffer, columns, y0, y1);
                WeightGradient(ws, band, _outPlane, columnBuffer, columns, weightGradient, sum);
            }
            if (dx == null) continue;
            ColumnGradient(ws, band, _outPlane, columnBuffer, columns);
            Im2Col.Fold(_g, columnBuffer, dx, columns, y0, y1);
        }
    }

    /// <summary>
    /// dW_g (+)= dY_g · columns_gᵀ for every group, over <paramref name="columns"/> output positions;
    /// dY's rows are <paramref name="dyStride"/> apart (the chunk's width, or a whole plane for a band).
    /// </summary>
    private void WeightGradient(GemmWorkspace ws, float* outputGradient, int dyStride, float* unfolded, int columns, float* weightGradient, bool accumulate)
    {
        for (int group = 0; group < _g.Groups; group++)
        {
            float* dy = outputGradient + (long)group * _outGroup * dyStride, cols = unfolded + (long)group * _depth * columns;
            float* dw = weightGradient + (long)group * _outGroup * _depth;
            if (_weightGradientByDots) WeightGradientByDots(dy, dyStride, cols, dw, columns, accumulate);
            else Sgemm.Multiply(ws, _outGroup, _depth, columns, dy, dyStride, false, cols, columns, true, dw, _depth, accumulate);
        }
    }

    /// <summary>dColumns_g = W_gᵀ · dY_g for every group, with the transposed weights packed for this call; dY's rows are <paramref name="dyStride"/> apart.</summary>
    private void ColumnGradient(GemmWorkspace ws, float* outputGradient, int dyStride, float* target, int columns)
    {
        for (int group = 0; group < _g.Groups; group++)
            Sgemm.MultiplyPacked(ws, _depth, columns, _outGroup, _packedWeightsTransposed + (long)group * _packedGroupTransposed,
                outputGradient + (long)group * _outGroup * dyStride, dyStride, false,
                target + (long)group * _depth * columns, columns, accumulate: false);
    }
}

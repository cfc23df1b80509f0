namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A 3×3, stride-1, undilated, ungrouped convolution by Winograd's F(2×2, 3×3)
/// (<see cref="WinogradTransforms"/>), in all three directions:
/// <list type="bullet">
/// <item>forward: each 4×4 input tile (overlapping by 2) is transformed to 16 positions, and for each
/// position one GEMM U_p [K × C] · V_p [C × tiles] gives M_p [K × tiles], whose 2×2 output tiles then
/// take the bias or the fused <see cref="ChannelEpilogue"/>, row by row while they are in cache;</item>
/// <item>input gradient: the same forward pass over the output gradient, padded by 2 − padding, with
/// the filters turned by 180° and input and output channels swapped;</item>
/// <item>filter gradient: per position dU_p [K × C] += Z_p [K × tiles] · V_pᵀ, with Z = A dY Aᵀ the
/// adjoint of the output transform, summed over the batch and then taken back by dW = Gᵀ dU G.</item>
/// </list>
/// The batch's tile rows are split between the workers in fixed contiguous shares, and each share is
/// taken a few tile rows at a time (a block, at most about <see cref="TargetTiles"/> tiles, whole tile
/// rows so that the epilogue sees whole output rows; a block may span images). Each block's input rows are first
/// copied into a zero-padded band, so the transforms never test an edge. The transformed filters
/// are computed and packed once per call, by the workers before the tiles, unless the caller keeps
/// the forward ones between calls (<see cref="Forward"/>'s filters). Every buffer comes from the
/// backend's <see cref="CpuWorkspace"/>: the transformed tiles in Columns, the products in Scratch,
/// the band in Padded, the filters in PackedWeights and PackedWeightsTransposed (the other one holds
/// the unpacked transform meanwhile), the filter-gradient partials in WeightPartials and BiasPartials.
/// Filter-gradient partials are summed in worker order, so results depend only on the thread count.
/// <see cref="Reference.WinogradReference"/> is the scalar double-precision form of the same algorithm.
/// </summary>
internal sealed unsafe class WinogradConvolution : IParallelWork
{
    /// <summary>Tiles per block, when the batch allows: a GEMM this wide runs near the kernel's peak.</summary>
    private const int TargetTiles = 256;

    /// <summary>The most floats of transformed tiles (or products) a worker's block may hold (8 MB).</summary>
    private const long MaxTransformFloats = 2L << 20;

    private const int Positions = WinogradTransforms.Positions, Lanes = WinogradTransforms.Lanes;

    private enum Work { Forward, InputGradient, WeightGradient, Filters, Pack, FilterGradient }

    /// <summary>
    /// One forward-shaped pass: from InChannels planes of In size to OutChannels planes of Out size, in
    /// tiles of 2×2 outputs (16 to a group), RowsPerBlock tile rows per block at most, and the row
    /// stride of the transformed tiles and products (a block's tiles and 16 more, for a last group
    /// that overhangs the row).
    /// </summary>
    private sealed class Pass
    {
        public Pass(int inChannels, int inHeight, int inWidth, int outChannels, int outHeight, int outWidth, int padHeight, int padWidth, int maxBatch)
        {
            (InChannels, InHeight, InWidth, OutChannels, OutHeight, OutWidth, PadHeight, PadWidth) = (inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, padHeight, padWidth);
            TilesHigh = (outHeight + 1) / 2;
            TilesWide = (outWidth + 1) / 2;
            GroupsWide = (TilesWide + Lanes - 1) / Lanes;
            Narrow = TilesWide <= Lanes / 2;
            BandWidth = GroupsWide * 2 * Lanes + 2;
            int target = Math.Clamp((TargetTiles + TilesWide - 1) / TilesWide, 1, maxBatch * TilesHigh);
            long fit = (MaxTransformFloats / (Positions * (long)Math.Max(inChannels, outChannels)) - Lanes) / TilesWide;
            RowsPerBlock = (int)Math.Clamp(fit, 1, target);
            Stride = (RowsPerBlock * TilesWide + Lanes + 15) / 16 * 16;
            BandPlane = (2L * RowsPerBlock + 2) * BandWidth;
            InSize = (long)inChannels * inHeight * inWidth;
            OutSize = (long)outChannels * outHeight * outWidth;
        }

        public int InChannels { get; }
        public int InHeight { get; }
        public int InWidth { get; }
        public int OutChannels { get; }
        public int OutHeight { get; }
        public int OutWidth { get; }
        public int PadHeight { get; }
        public int PadWidth { get; }
        public int TilesHigh { get; }
        public int TilesWide { get; }

        /// <summary>Groups of 16 tiles per tile row.</summary>
        public int GroupsWide { get; }

        /// <summary>At most 8 tiles a row: each vector takes two tile rows, 8 lanes each, rather than waste most of its lanes on one.</summary>
        public bool Narrow { get; }

        /// <summary>A band row: every group's 32 columns and the 2 more its last tiles read.</summary>
        public int BandWidth { get; }

        /// <summary>Tile rows per block at most.</summary>
        public int RowsPerBlock { get; }

        /// <summary>The row stride of transformed tiles and products: a block's tiles and 16 more, for a last group that overhangs.</summary>
        public int Stride { get; }

        /// <summary>Floats of one channel's band: 2 input rows per tile row and 2 more.</summary>
        public long BandPlane { get; }

        public long InSize { get; }
        public long OutSize { get; }
    }

    private readonly Conv2dGeometry _g;
    private readonly WorkerPool _pool;
    private readonly CpuWorkspace _ws;
    private readonly GemmKernel _kernel = SgemmKernels.Best;
    private readonly Pass _forward, _backward;
    private readonly int _packedForward, _packedBackward;

    // The call in flight, read by the workers.
    private Work _work;
    private Pass _pass = null!;
    private int _rows;
    private float* _in, _out, _packed, _bias, _outputGradient;
    private ChannelEpilogue? _epilogue;
    private bool _weights, _biases, _rotate;
    private int _partials;
    private float* _weight, _unpacked, _weightGradient;

    /// <summary>Whether F(2×2, 3×3) computes <paramref name="g"/>: a 3×3, stride-1, undilated, ungrouped convolution padded by at most 2, on a processor with AVX-512.</summary>
    public static bool Applies(in Conv2dGeometry g) =>
        WinogradTransforms.IsSupported && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.Groups == 1 && g.PaddingHeight <= 2 && g.PaddingWidth <= 2;

    /// <summary>
    /// Whether the fast backend takes this path for <paramref name="g"/> rather than im2col + GEMM:
    /// where it applies and both channel counts reach <see cref="MinChannels"/>. Measured side by side
    /// (<c>Cnn.Compare winograd</c>, 2 threads, batch 64 or 16), Winograd is faster in every direction
    /// on ResNet-18's and VGG's 3×3 layers and about even to faster on the CIFAR AlexNet-like net's
    /// 6×6 ones, all with 64 to 512 channels, and slower with 32 or fewer (the MNIST net's 32→64 at
    /// 14×14: 0.8× forward, 0.65× backward), where its 16 GEMMs are too shallow to pay for the transforms.
    /// </summary>
    public static bool Preferred(in Conv2dGeometry g) =>
        Applies(g) && g.InChannels >= MinChannels && g.OutChannels >= MinChannels;

    /// <summary>The fewest input and output channels for which Winograd is preferred.</summary>
    public const int MinChannels = 64;

    /// <summary>
    /// The fewest tiles per call for which Winograd is preferred: in training the filters are transformed
    /// and packed every call, at a cost of about 16 tiles' worth of GEMM, so a call must have many more.
    /// Measured at batch 1 (<c>Cnn.Compare winograd</c>): 784 tiles (ResNet's 56×56) 1.7× faster, 256
    /// (32×32) 1.7×, 196 (28×28) 1.2×, 64 (16×16) 0.9×, 49 (14×14) 0.5×, 9 to 16 (6×6 to 8×8) 0.15–0.25×.
    /// Inference keeps the transformed filters (FastConv2dOperator's cache); with them kept, ResNet's
    /// 14×14 layer (49 tiles) at batch 1 runs about even with the wide channel-vector kernel that the rule
    /// gives it (<c>Cnn.Compare resnetprobe</c>: 383–430 against 415–432 µs), and the 7×7 one (16 tiles)
    /// at half its speed, so the limit stands.
    /// </summary>
    public const int MinTiles = 128;

    /// <summary>The smallest batch with <see cref="MinTiles"/> tiles of 2×2 outputs.</summary>
    public static int MinBatch(in Conv2dGeometry g)
    {
        int tiles = (g.OutHeight + 1) / 2 * ((g.OutWidth + 1) / 2);
        return (MinTiles + tiles - 1) / tiles;
    }

    /// <param name="geometry">The layer's shapes; <see cref="Applies"/> must hold.</param>
    /// <param name="pool">The backend's workers and workspace.</param>
    public WinogradConvolution(in Conv2dGeometry geometry, WorkerPool pool)
    {
        if (!Applies(geometry)) throw new ArgumentException("Winograd F(2×2, 3×3) takes 3×3, stride-1, undilated, ungrouped convolutions padded by at most 2, on AVX-512.", nameof(geometry));
        _g = geometry;
        _pool = pool;
        _ws = pool.Workspace;
        int c = _g.InChannels, k = _g.OutChannels;
        _forward = new Pass(c, _g.InHeight, _g.InWidth, k, _g.OutHeight, _g.OutWidth, _g.PaddingHeight, _g.PaddingWidth, _g.MaxBatch);
        _backward = new Pass(k, _g.OutHeight, _g.OutWidth, c, _g.InHeight, _g.InWidth, 2 - _g.PaddingHeight, 2 - _g.PaddingWidth, _g.MaxBatch);
        _packedForward = Sgemm.PackedASize(_kernel, k, c);
        _packedBackward = Sgemm.PackedASize(_kernel, c, k);

        // PackedWeights holds the packed forward filters, and the unpacked backward ones while they are packed; and the other way round.
        long filters = Positions * (long)k * c;
        _ws.Reserve(CpuWorkspace.Region.PackedWeights, Math.Max(Positions * (long)_packedForward, filters));
        _ws.Reserve(CpuWorkspace.Region.PackedWeightsTransposed, Math.Max(Positions * (long)_packedBackward, filters));
        foreach (Pass p in new[] { _forward, _backward })
        {
            _ws.Reserve(CpuWorkspace.Region.Columns, Positions * (long)p.InChannels * p.Stride);
            _ws.Reserve(CpuWorkspace.Region.Scratch, Positions * (long)p.OutChannels * p.Stride);
            _ws.Reserve(CpuWorkspace.Region.Padded, p.InChannels * p.BandPlane);
        }
        _ws.Reserve(CpuWorkspace.Region.WeightPartials, filters);
        _ws.Reserve(CpuWorkspace.Region.BiasPartials, k);
        _ws.ReserveGemm(Math.Max(k, c), Math.Max(Math.Max(_forward.Stride, _backward.Stride), c), Math.Max(Math.Max(c, k), _forward.Stride));
    }

    /// <summary>Floats of the forward pass's 16 transformed and packed filters, for a caller's <see cref="PackedWeightCache"/>.</summary>
    public int PackedFiltersSize => Positions * _packedForward;

    /// <summary>
    /// y = conv(x, w), then per output row the <paramref name="epilogue"/> when there is one, else
    /// the <paramref name="bias"/> (null for none). The transformed filters are read from
    /// <paramref name="filters"/> (<see cref="PackedFiltersSize"/> floats, 64-byte aligned, not in the
    /// workspace's PackedWeightsTransposed region), computed there first from <paramref name="weight"/>
    /// when <paramref name="transform"/> is set; null means the workspace's PackedWeights, transformed every call.
    /// </summary>
    public void Forward(int batch, float* input, float* weight, float* bias, ChannelEpilogue? epilogue, float* output, float* filters = null, bool transform = true)
    {
        if (filters == null)
        {
            filters = _ws.Get(CpuWorkspace.Region.PackedWeights);
            transform = true;
        }
        if (transform) TransformFilters(weight, rotate: false, _ws.Get(CpuWorkspace.Region.PackedWeightsTransposed), filters);
        _in = input;
        _out = output;
        _bias = bias;
        _epilogue = epilogue;
        Start(Work.Forward, _forward, batch, filters);
    }

    /// <summary>
    /// The gradients of a <see cref="Forward"/> without epilogue: any of <paramref name="inputGradient"/>,
    /// <paramref name="weightGradient"/> and <paramref name="biasGradient"/> may be null, and is then not computed.
    /// </summary>
    public void Backward(int batch, float* input, float* weight, float* outputGradient, float* inputGradient, float* weightGradient, float* biasGradient)
    {
        if (inputGradient != null)
        {
            TransformFilters(weight, rotate: true, _ws.Get(CpuWorkspace.Region.PackedWeights), _ws.Get(CpuWorkspace.Region.PackedWeightsTransposed));
            _in = outputGradient;
            _out = inputGradient;
            _bias = null;
            _epilogue = null;
            Start(Work.InputGradient, _backward, batch, _ws.Get(CpuWorkspace.Region.PackedWeightsTransposed));
        }
        if (weightGradient == null && biasGradient == null) return;

        _in = input;
        _outputGradient = outputGradient;
        _weights = weightGradient != null;
        _biases = biasGradient != null;
        int workers = Start(Work.WeightGradient, _forward, batch, null);

        // Sum the workers' transformed gradients in worker order, then take them back to 3×3, shares of rows in parallel.
        int k = _g.OutChannels;
        _partials = workers;
        if (_biases)
        {
            float* db = _ws.Get(CpuWorkspace.Region.BiasPartials);
            for (int w = 1; w < workers; w++) RowOps.Add(_ws.Get(CpuWorkspace.Region.BiasPartials, w), db, k);
            new ReadOnlySpan<float>(db, k).CopyTo(new Span<float>(biasGradient, k));
        }
        if (!_weights) return;
        _weightGradient = weightGradient;
        _work = Work.FilterGradient;
        _pool.Run(this, Math.Min(_pool.Threads, k));
    }

    /// <summary>
    /// The 16 transformed filters of the call, each packed for the GEMM: [K × C] forward, or with
    /// <paramref name="rotate"/>, the 180°-turned filters as [C × K] for the input gradient. The
    /// workers transform shares of the rows, 16 filters at a time, then pack shares of the positions.
    /// </summary>
    private void TransformFilters(float* weight, bool rotate, float* unpacked, float* packed)
    {
        _weight = weight;
        _rotate = rotate;
        _unpacked = unpacked;
        _packed = packed;
        int rows = rotate ? _g.InChannels : _g.OutChannels;
        _work = Work.Filters;
        _pool.Run(this, Math.Min(_pool.Threads, rows));
        _work = Work.Pack;
        _pool.Run(this, _pool.Threads);
    }

    /// <summary>Rows [first, end) of every transformed filter matrix: U_p[o, i] = (G w[o, i] Gᵀ)_p, or U'_p[i, o] = (G rot180(w[o, i]) Gᵀ)_p.</summary>
    private void FilterRows(int first, int end)
    {
        int k = _g.OutChannels, c = _g.InChannels, columns = _rotate ? k : c;
        long stride = (long)k * c;
        for (int row = first; row < end; row++)
        {
            int column = 0;
            // Forward: row o, columns i, filters 9 floats apart; turned: row i, columns o, filters 9·C apart.
            float* filters = _rotate ? _weight + (long)row * 9 : _weight + (long)row * c * 9;
            int filterStride = _rotate ? 9 * c : 9;
            for (; column + Lanes <= columns; column += Lanes)
                WinogradTransforms.Filter16(filters + (long)column * filterStride, filterStride, _rotate, _unpacked + (long)row * columns + column, stride);
            for (; column < columns; column++)
                WinogradTransforms.Filter(filters + (long)column * filterStride, _rotate, _unpacked + (long)row * columns + column, stride);
        }
    }

    /// <summary>
    /// Rows [first, end) of the filter gradient: each worker's transformed partial summed in worker
    /// order into worker 0's, then dW[o, i] = Gᵀ dU[o, i] G.
    /// </summary>
    private void FilterGradientRows(int first, int end)
    {
        int k = _g.OutChannels, c = _g.InChannels;
        long stride = (long)k * c;
        float* du = _ws.Get(CpuWorkspace.Region.WeightPartials);
        for (int w = 1; w < _partials; w++)
        {
            float* partial = _ws.Get(CpuWorkspace.Region.WeightPartials, w);
            for (int p = 0; p < Positions; p++)
                RowOps.Add(partial + p * stride + (long)first * c, du + p * stride + (long)first * c, (end - first) * c);
        }
        for (int o = first; o < end; o++)
        {
            int i = 0;
            for (; i + Lanes <= c; i += Lanes)
                WinogradTransforms.FilterGradient16(du + (long)o * c + i, stride, _weightGradient + ((long)o * c + i) * 9);
            for (; i < c; i++)
                WinogradTransforms.FilterGradient(du + (long)o * c + i, stride, _weightGradient + ((long)o * c + i) * 9);
        }
    }

    /// <summary>Splits the batch's tile rows between the workers; returns how many workers ran.</summary>
    private int Start(Work work, Pass pass, int batch, float* packed)
    {
        _work = work;
        _pass = pass;
        _packed = packed;
        _rows = batch * pass.TilesHigh;
        int workers = Math.Min(_pool.Threads, _rows);
        _pool.Run(this, workers);
        return workers;
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        if (_work is Work.Filters or Work.FilterGradient)
        {
            (int row, int rowEnd) = WorkerPool.Share(_work == Work.FilterGradient ? _g.OutChannels : _rotate ? _g.InChannels : _g.OutChannels, worker, workers);
            if (_work == Work.Filters) FilterRows(row, rowEnd);
            else FilterGradientRows(row, rowEnd);
            return;
        }
        if (_work == Work.Pack)
        {
            (int position, int positionEnd) = WorkerPool.Share(Positions, worker, workers);
            int rows = _rotate ? _g.InChannels : _g.OutChannels, depth = _rotate ? _g.OutChannels : _g.InChannels, size = _rotate ? _packedBackward : _packedForward;
            long stride = (long)_g.OutChannels * _g.InChannels;
            for (int p = position; p < positionEnd; p++)
                Sgemm.PackA(_kernel, rows, depth, _unpacked + p * stride, depth, false, _packed + (long)p * size);
            return;
        }
        // A fixed share of the tile rows, in as few near-equal blocks as the block size allows.
        (int first, int end) = WorkerPool.Share(_rows, worker, workers);
        int count = end - first, blocks = (count + _pass.RowsPerBlock - 1) / _pass.RowsPerBlock;
        for (int b = 0; b < blocks; b++)
        {
            (int from, int to) = WorkerPool.Share(count, b, blocks);
            if (_work == Work.WeightGradient) WeightGradientBlock(worker, first + from, to - from, accumulate: b > 0);
            else ForwardBlock(worker, first + from, to - from);
        }
    }

    /// <summary>One block of a forward-shaped pass: transform the input tiles, 16 GEMMs, transform the products to output rows and finish them.</summary>
    private void ForwardBlock(int worker, int firstRow, int rows)
    {
        Pass p = _pass;
        float* v = _ws.Get(CpuWorkspace.Region.Columns, worker), m = _ws.Get(CpuWorkspace.Region.Scratch, worker);
        TransformInput(worker, p, _in, firstRow, rows, v);

        GemmWorkspace gemm = _ws.Gemm(worker);
        int tiles = rows * p.TilesWide, packedSize = _work == Work.Forward ? _packedForward : _packedBackward;
        long vStride = (long)p.InChannels * p.Stride, mStride = (long)p.OutChannels * p.Stride;
        for (int pos = 0; pos < Positions; pos++)
            Sgemm.MultiplyPacked(gemm, p.OutChannels, tiles, p.InChannels, _packed + (long)pos * packedSize,
                v + pos * vStride, p.Stride, false, m + pos * mStride, p.Stride, accumulate: false);

        long outPlane = (long)p.OutHeight * p.OutWidth;
        for (int row = firstRow, end = firstRow + rows; row < end;)
        {
            int n = row / p.TilesHigh, r0 = row % p.TilesHigh, r1 = Math.Min(p.TilesHigh, r0 + end - row);
            int t0 = (row - firstRow) * p.TilesWide;
            for (int k = 0; k < p.OutChannels; k++)
            {
                float* plane = _out + n * p.OutSize + k * outPlane;
                float* products = m + (long)k * p.Stride + t0;
                if (p.Narrow)
                    for (int r = r0; r < r1; r += 2)
                    {
                        RowPair(p, plane, r, r1, out float* top, out float* bottom, out float* upperTop, out float* upperBottom);
                        WinogradTransforms.Output(products + (r - r0) * p.TilesWide, p.TilesWide, mStride, top, bottom, p.OutWidth, upperTop, upperBottom, p.OutWidth);
                    }
                else
                    for (int r = r0; r < r1; r++)
                    {
                        float* top = plane + 2L * r * p.OutWidth, bottom = 2 * r + 1 < p.OutHeight ? top + p.OutWidth : null;
                        for (int group = 0; group < p.GroupsWide; group++)
                        {
                            int x = group * 2 * Lanes;
                            WinogradTransforms.Output(products + (r - r0) * p.TilesWide + group * Lanes, Lanes / 2, mStride,
                                top + x, bottom == null ? null : bottom + x, Math.Min(Lanes, p.OutWidth - x),
                                top + x + Lanes, bottom == null ? null : bottom + x + Lanes, p.OutWidth - x - Lanes);
                        }
                    }
                int y0 = 2 * r0, y1 = Math.Min(p.OutHeight, 2 * r1);
                Finish(plane + (long)y0 * p.OutWidth, (y1 - y0) * p.OutWidth, k);
            }
            row += r1 - r0;
        }
    }

    /// <summary>
    /// The output rows of tile rows r and r + 1 of a plane, for a narrow pass: null past the plane's
    /// last row, and for r + 1 when it is not below <paramref name="end"/>.
    /// </summary>
    private static void RowPair(Pass p, float* plane, int r, int end, out float* top, out float* bottom, out float* upperTop, out float* upperBottom)
    {
        top = plane + 2L * r * p.OutWidth;
        bottom = 2 * r + 1 < p.OutHeight ? top + p.OutWidth : null;
        upperTop = r + 1 < end ? top + 2L * p.OutWidth : null;
        upperBottom = upperTop != null && 2 * r + 3 < p.OutHeight ? upperTop + p.OutWidth : null;
    }

    /// <summary>The last touch of output rows: the epilogue of a fused call, else the bias (if any).</summary>
    private void Finish(float* row, int count, int channel)
    {
        if (_epilogue is not null) _epilogue.Apply(row, row, count, channel);
        else if (_bias != null) RowOps.AddScalar(row, count, _bias[channel]);
    }

    /// <summary>
    /// One block of the filter gradient: the input tiles, the output gradient's tiles Z = A dY Aᵀ,
    /// and dU_p (+)= Z_p · V_pᵀ into this worker's partial; the bias gradient alongside.
    /// </summary>
    private void WeightGradientBlock(int worker, int firstRow, int rows, bool accumulate)
    {
        Pass p = _pass;
        float* v = _ws.Get(CpuWorkspace.Region.Columns, worker), z = _ws.Get(CpuWorkspace.Region.Scratch, worker);
        float* du = _ws.Get(CpuWorkspace.Region.WeightPartials, worker), db = _ws.Get(CpuWorkspace.Region.BiasPartials, worker);
        if (_weights) TransformInput(worker, p, _in, firstRow, rows, v);

        long outPlane = (long)p.OutHeight * p.OutWidth, zStride = (long)p.OutChannels * p.Stride;
        if (!accumulate && _biases) new Span<float>(db, p.OutChannels).Clear();
        for (int row = firstRow, end = firstRow + rows; row < end;)
        {
            int n = row / p.TilesHigh, r0 = row % p.TilesHigh, r1 = Math.Min(p.TilesHigh, r0 + end - row);
            int t0 = (row - firstRow) * p.TilesWide;
            for (int k = 0; k < p.OutChannels; k++)
            {
                float* plane = _outputGradient + n * p.OutSize + k * outPlane;
                int y0 = 2 * r0, y1 = Math.Min(p.OutHeight, 2 * r1);
                if (_biases) db[k] += RowOps.Sum(plane + (long)y0 * p.OutWidth, (y1 - y0) * p.OutWidth);
                if (!_weights) continue;
                float* target = z + (long)k * p.Stride + t0;
                if (p.Narrow)
                    for (int r = r0; r < r1; r += 2)
                    {
                        RowPair(p, plane, r, r1, out float* top, out float* bottom, out float* upperTop, out float* upperBottom);
                        WinogradTransforms.OutputGradient(top, bottom, p.OutWidth, upperTop, upperBottom, p.OutWidth, target + (r - r0) * p.TilesWide, p.TilesWide, zStride);
                    }
                else
                    for (int r = r0; r < r1; r++)
                    {
                        float* top = plane + 2L * r * p.OutWidth, bottom = 2 * r + 1 < p.OutHeight ? top + p.OutWidth : null;
                        for (int group = 0; group < p.GroupsWide; group++)
                        {
                            int x = group * 2 * Lanes;
                            WinogradTransforms.OutputGradient(top + x, bottom == null ? null : bottom + x, Math.Min(Lanes, p.OutWidth - x),
                                top + x + Lanes, bottom == null ? null : bottom + x + Lanes, p.OutWidth - x - Lanes,
                                target + (r - r0) * p.TilesWide + group * Lanes, Lanes / 2, zStride);
                        }
                    }
            }
            row += r1 - r0;
        }
        if (!_weights) return;

        GemmWorkspace gemm = _ws.Gemm(worker);
        int tiles = rows * p.TilesWide;
        long vStride = (long)p.InChannels * p.Stride, filters = (long)p.OutChannels * p.InChannels;
        for (int pos = 0; pos < Positions; pos++)
            Sgemm.Multiply(gemm, p.OutChannels, p.InChannels, tiles, z + pos * zStride, p.Stride, false,
                v + pos * vStride, p.Stride, true, du + pos * filters, p.InChannels, accumulate);
    }

    /// <summary>
    /// V for a block's tiles: per image of the block, its input rows copied into the zero-padded band,
    /// then every channel's tile rows 16 tiles at a time, into columns (row − firstRow)·TilesWide + x.
    /// A last group that overhangs a tile row writes into the next row's columns (rewritten next) or
    /// the stride's slack.
    /// </summary>
    private void TransformInput(int worker, Pass p, float* input, int firstRow, int rows, float* v)
    {
        float* band = _ws.Get(CpuWorkspace.Region.Padded, worker);
        long vStride = (long)p.InChannels * p.Stride;
        for (int row = firstRow, end = firstRow + rows; row < end;)
        {
            int n = row / p.TilesHigh, r0 = row % p.TilesHigh, r1 = Math.Min(p.TilesHigh, r0 + end - row);
            int t0 = (row - firstRow) * p.TilesWide;
            FillBand(p, input + n * p.InSize, band, r0, r1);
            for (int c = 0; c < p.InChannels; c++)
            {
                float* plane = band + c * p.BandPlane, target = v + (long)c * p.Stride + t0;
                if (p.Narrow)
                    for (int r = r0; r < r1; r += 2)
                    {
                        // The next tile row's input starts 2 rows down; a last row alone pairs with itself, and its copy is overwritten or lands in the slack.
                        float* source = plane + 2L * (r - r0) * p.BandWidth;
                        WinogradTransforms.Input(source, r + 1 < r1 ? source + 2L * p.BandWidth : source, p.BandWidth, target + (r - r0) * p.TilesWide, p.TilesWide, vStride);
                    }
                else
                    for (int r = r0; r < r1; r++)
                        for (int group = 0; group < p.GroupsWide; group++)
                        {
                            float* source = plane + 2L * (r - r0) * p.BandWidth + group * 2 * Lanes;
                            WinogradTransforms.Input(source, source + Lanes, p.BandWidth, target + (r - r0) * p.TilesWide + group * Lanes, Lanes / 2, vStride);
                        }
            }
            row += r1 - r0;
        }
    }

    /// <summary>The input rows of tile rows [r0, r1) of one image, every channel, padded with zeros: band column j is input column j − PadWidth.</summary>
    private static void FillBand(Pass p, float* image, float* band, int r0, int r1)
    {
        int bandRows = 2 * (r1 - r0) + 2, y0 = 2 * r0 - p.PadHeight, width = p.InWidth, pad = p.PadWidth;
        for (int c = 0; c < p.InChannels; c++)
            for (int i = 0; i < bandRows; i++)
            {
                float* target = band + c * p.BandPlane + (long)i * p.BandWidth;
                int y = y0 + i;
                if (y < 0 || y >= p.InHeight)
                {
                    new Span<float>(target, p.BandWidth).Clear();
                    continue;
                }
                new Span<float>(target, pad).Clear();
                new ReadOnlySpan<float>(image + ((long)c * p.InHeight + y) * width, width).CopyTo(new Span<float>(target + pad, width));
                new Span<float>(target + pad + width, p.BandWidth - pad - width).Clear();
            }
    }
}

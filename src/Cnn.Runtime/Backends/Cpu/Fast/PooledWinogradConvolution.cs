using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The inference forward pass of a 3×3, stride-1 convolution followed by a 2×2, stride-2 max pool, by
/// Winograd's F(4×4, 3×3) with the output channels as vector lanes, pooled in registers: each 6×6 input
/// tile (overlapping by 2) is transformed, for 16 channels at a time, to 36 positions (Bᵀ d B); per
/// position, a block of 32 output channels is the sum over the input channels of the transformed
/// filter (G g Gᵀ, packed once as [block][position][c][32]) times the tile's transformed input,
/// broadcast — the same register scheme as <see cref="WideChannelVectorConvolution"/>, eight tiles'
/// accumulators at once; the 36 products of a tile then go back to its 4×4 outputs (Aᵀ m A), which are
/// max-pooled to 2×2, finished (m·scale + shift, then the activation: valid after the max for the
/// epilogues that <see cref="PooledDirectConvolution.Takes"/>) and transposed into the NCHW pooled
/// output. An image is first copied, channels last, into a zero-padded buffer whose height and width
/// are whole tiles plus 2. A multiply-add of the 3×3 convolution costs 36/(16·9) = 1/4 of one here,
/// before the tiles' overhang (14×14 outputs take 16×16). Values differ from the direct sum by
/// rounding in the transforms (relative 1e-6 to 1e-5 at these sizes), and a NaN or an infinity
/// spreads to its whole tile: such images go to another path (the caller checks).
/// <see cref="Reference.Conv2dReference"/> and the reference pool are the reference.
/// </summary>
internal sealed unsafe class PooledWinogradConvolution
{
    /// <summary>Output channels per block: two vectors.</summary>
    public const int BlockChannels = 2 * Lanes;

    /// <summary>The most tiles whose products one pass keeps in registers: two accumulators each.</summary>
    public const int GroupTiles = 8;

    private const int Positions = 36;

    private readonly Conv2dGeometry _g;
    private readonly Pool2dGeometry _pool;
    private readonly int _tileRows, _tileColumns, _paddedHeight, _paddedWidth, _blocks, _vectors, _pooledPlane;

    // Groups of at most GroupTiles tiles: whole tile rows (as many as fit) or, for rows of more than GroupTiles tiles, pieces of one row.
    private readonly int _rowsPerGroup, _columnsPerGroup;

    /// <summary>Prepares the tiles of <paramref name="geometry"/> pooled by <paramref name="pool"/>, which <see cref="Applies"/> must accept.</summary>
    public PooledWinogradConvolution(in Conv2dGeometry geometry, in Pool2dGeometry pool)
    {
        if (!Applies(geometry, pool)) throw new ArgumentException($"The pooled Winograd convolution does not take {geometry} with {pool}: it needs AVX-512, a 3×3 kernel of stride 1, one group, and a 2×2 max pool of stride 2.", nameof(geometry));
        _g = geometry;
        _pool = pool;
        _tileRows = (geometry.OutHeight + 3) / 4;
        _tileColumns = (geometry.OutWidth + 3) / 4;
        _paddedHeight = 4 * _tileRows + 2;
        _paddedWidth = 4 * _tileColumns + 2;
        _blocks = (geometry.OutChannels + BlockChannels - 1) / BlockChannels;
        _vectors = 2 * _blocks;
        _pooledPlane = pool.OutHeight * pool.OutWidth;
        _columnsPerGroup = Math.Min(GroupTiles, _tileColumns);
        _rowsPerGroup = _tileColumns <= GroupTiles ? GroupTiles / _tileColumns : 1;
    }

    /// <summary>Whether <paramref name="g"/> followed by <paramref name="pool"/> can run here (the operator's rule says whether it should).</summary>
    public static bool Applies(in Conv2dGeometry g, in Pool2dGeometry pool) =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated && g.Groups == 1 && g.KernelHeight == 3 && g.KernelWidth == 3
        && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.PaddingHeight <= 2 && g.PaddingWidth <= 2
        && pool.Kind == PoolKind.Max && pool.KernelHeight == 2 && pool.KernelWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2
        && pool.PaddingHeight == 0 && pool.PaddingWidth == 0 && pool.Channels == g.OutChannels
        && pool.InHeight == g.OutHeight && pool.InWidth == g.OutWidth && pool.OutHeight == g.OutHeight / 2 && pool.OutWidth == g.OutWidth / 2
        && pool.OutHeight >= 1 && pool.OutWidth >= 1;

    /// <summary>Rows of 4×4 output tiles: the units that a call with fewer images than workers shares out.</summary>
    public int TileRows => _tileRows;

    /// <summary>Floats of the packed, transformed weights: per block of 32 output channels, 36 positions of [InChannels][32].</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g) => checked((g.OutChannels + BlockChannels - 1) / BlockChannels * Positions * g.InChannels * BlockChannels);

    /// <summary>Floats of one worker's buffers: the padded channels-last image, a group's transformed tiles and products, and the pooled image channels last.</summary>
    public static long WorkspaceSize(in Conv2dGeometry g, in Pool2dGeometry pool)
    {
        long padded = (4L * ((g.OutHeight + 3) / 4) + 2) * (4L * ((g.OutWidth + 3) / 4) + 2) * RoundUp(g.InChannels);
        long transformed = (long)Positions * GroupTiles * RoundUp(g.InChannels), products = (long)Positions * GroupTiles * BlockChannels;
        long pooled = 2L * ((g.OutChannels + BlockChannels - 1) / BlockChannels) * pool.OutHeight * pool.OutWidth * Lanes + Lanes * Lanes;
        return padded + transformed + products + pooled;
    }

    // Input channels rounded up to whole vectors: the channels-last rows hold zeros past InChannels.
    private static int RoundUp(int channels) => (channels + Lanes - 1) / Lanes * Lanes;

    /// <summary>
    /// Transforms <paramref name="weight"/> ([OutChannels][InChannels][3][3]) in double precision:
    /// packed[((b·36 + p)·InChannels + c)·32 + j] = (G g Gᵀ)[p] of output channel 32·b + j and input
    /// channel c, 0 for the lanes past OutChannels.
    /// </summary>
    public static void PackWeights(in Conv2dGeometry g, float* weight, float* packed)
    {
        int channels = g.InChannels;
        new Span<float>(packed, PackedWeightsSize(g)).Clear();
        Span<double> u = stackalloc double[Positions];
        for (int o = 0; o < g.OutChannels; o++)
            for (int c = 0; c < channels; c++)
            {
                FilterTransform(weight + ((long)o * channels + c) * 9, u);
                float* destination = packed + ((long)(o / BlockChannels) * Positions * channels + c) * BlockChannels + o % BlockChannels;
                for (int p = 0; p < Positions; p++) destination[(long)p * channels * BlockChannels] = (float)u[p];
            }
    }

    /// <summary>G g Gᵀ of one 3×3 filter, with G = [1/4 0 0; −1/6 −1/6 −1/6; −1/6 1/6 −1/6; 1/24 1/12 1/6; 1/24 −1/12 1/6; 0 0 1].</summary>
    private static void FilterTransform(float* g, Span<double> u)
    {
        Span<double> t = stackalloc double[18];
        for (int j = 0; j < 3; j++)
        {
            double g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
            t[0 * 3 + j] = g0 / 4;
            t[1 * 3 + j] = -(g0 + g1 + g2) / 6;
            t[2 * 3 + j] = -(g0 - g1 + g2) / 6;
            t[3 * 3 + j] = g0 / 24 + g1 / 12 + g2 / 6;
            t[4 * 3 + j] = g0 / 24 - g1 / 12 + g2 / 6;
            t[5 * 3 + j] = g2;
        }
        for (int i = 0; i < 6; i++)
        {
            double g0 = t[i * 3], g1 = t[i * 3 + 1], g2 = t[i * 3 + 2];
            u[i * 6 + 0] = g0 / 4;
            u[i * 6 + 1] = -(g0 + g1 + g2) / 6;
            u[i * 6 + 2] = -(g0 - g1 + g2) / 6;
            u[i * 6 + 3] = g0 / 24 + g1 / 12 + g2 / 6;
            u[i * 6 + 4] = g0 / 24 - g1 / 12 + g2 / 6;
            u[i * 6 + 5] = g2;
        }
    }

    /// <summary>
    /// Tile rows [<paramref name="firstTileRow"/>, <paramref name="endTileRow"/>) of one image: their
    /// pooled rows of every channel, written to <paramref name="output"/> (the image's pooled NCHW
    /// planes). <paramref name="scale"/> and <paramref name="shift"/> hold a value per output channel
    /// (the bias goes in the shift); <paramref name="slope"/> multiplies the negative results (0 for
    /// ReLU, 1 without an activation). <paramref name="workspace"/> is the worker's
    /// (<see cref="WorkspaceSize"/>); its padded border is zeroed only when <paramref name="clear"/>
    /// (a worker's first image of a call), since later images overwrite only the inside.
    /// </summary>
    public void Forward(float* image, float* packedWeights, float* scale, float* shift, float slope, float* output, float* workspace, bool clear,
        int firstTileRow, int endTileRow)
    {
        int channels = RoundUp(_g.InChannels);
        float* padded = workspace;
        float* transformed = padded + (long)_paddedHeight * _paddedWidth * channels;
        float* products = transformed + (long)Positions * GroupTiles * channels;
        float* pooled = products + Positions * GroupTiles * BlockChannels;
        // Padded rows [4·first, 4·end + 2) are the ones these tiles read.
        Pad(image, padded, clear, 4 * firstTileRow, 4 * endTileRow + 2);

        float* scaleLanes = stackalloc float[BlockChannels], shiftLanes = stackalloc float[BlockChannels];
        for (int ty = firstTileRow; ty < endTileRow; ty += _rowsPerGroup)
        {
            int rows = Math.Min(_rowsPerGroup, endTileRow - ty);
            for (int tx = 0; tx < _tileColumns; tx += _columnsPerGroup)
            {
                int columns = Math.Min(_columnsPerGroup, _tileColumns - tx);
                TransformInput(padded, channels, ty, rows, tx, columns, transformed);
                for (int b = 0; b < _blocks; b++)
                {
                    int o0 = b * BlockChannels, count = Math.Min(BlockChannels, _g.OutChannels - o0);
                    new Span<float>(scaleLanes, BlockChannels).Fill(1f);
                    new Span<float>(shiftLanes, BlockChannels).Clear();
                    new ReadOnlySpan<float>(scale + o0, count).CopyTo(new Span<float>(scaleLanes, BlockChannels));
                    new ReadOnlySpan<float>(shift + o0, count).CopyTo(new Span<float>(shiftLanes, BlockChannels));
                    Multiply(rows * columns, transformed, channels, packedWeights + (long)b * Positions * _g.InChannels * BlockChannels, _g.InChannels, products);
                    for (int t = 0; t < rows * columns; t++)
                        for (int h = 0; h < 2; h++)
                            TransformOutput(products + t * BlockChannels + h * Lanes, Vector512.Load(scaleLanes + h * Lanes), Vector512.Load(shiftLanes + h * Lanes), slope,
                                pooled + (long)(2 * b + h) * _pooledPlane * Lanes, ty + t / columns, tx + t % columns);
                }
            }
        }

        // Pooled rows [2·first, 2·end) of every channel, sixteen pixels at a time.
        int py0 = 2 * firstTileRow, py1 = Math.Min(_pool.OutHeight, 2 * endTileRow);
        int start = py0 * _pool.OutWidth, end = py1 * _pool.OutWidth;
        for (int v = 0; v < _vectors; v++)
        {
            int o0 = v * Lanes;
            if (o0 >= _g.OutChannels) break;
            int count = Math.Min(Lanes, _g.OutChannels - o0);
            for (int p = start; p < end; p += Lanes)
                ChannelVectorConvolution.Store(pooled + ((long)v * _pooledPlane + p) * Lanes, Math.Min(Lanes, end - p), output + (long)o0 * _pooledPlane + p, _pooledPlane, count);
        }
    }

    /// <summary>
    /// Padded rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of the image, channels last
    /// (the channel vectors past InChannels and the border stay zero): sixteen channels of sixteen
    /// pixels at a time, staged as rows and transposed in registers (<see cref="ChannelVectorConvolution.Store"/>).
    /// </summary>
    [SkipLocalsInit]
    private void Pad(float* image, float* padded, bool clear, int firstRow, int endRow)
    {
        int channels = RoundUp(_g.InChannels);
        if (clear) new Span<float>(padded, _paddedHeight * _paddedWidth * channels).Clear();
        int iy0 = Math.Max(0, firstRow - _g.PaddingHeight), iy1 = Math.Min(_g.InHeight, endRow - _g.PaddingHeight);
        int plane = _g.InHeight * _g.InWidth, width = _g.InWidth;
        float* staging = stackalloc float[Lanes * Lanes];
        for (int iy = iy0; iy < iy1; iy++)
        {
            float* row = padded + ((long)(iy + _g.PaddingHeight) * _paddedWidth + _g.PaddingWidth) * channels;
            for (int x0 = 0; x0 < width; x0 += Lanes)
            {
                int pixels = Math.Min(Lanes, width - x0);
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(pixels)).AsSingle();
                for (int c0 = 0; c0 < _g.InChannels; c0 += Lanes)
                {
                    int count = Math.Min(Lanes, _g.InChannels - c0);
                    float* source = image + (long)c0 * plane + (long)iy * width + x0;
                    for (int r = 0; r < count; r++) Avx512F.MaskLoad(source + (long)r * plane, mask, Vector512<float>.Zero).Store(staging + r * Lanes);
                    // Staging row r holds channel c0 + r of the pixels: transposed, pixel p's sixteen channels go to row[(x0 + p)·channels + c0 …].
                    ChannelVectorConvolution.Store(staging, count, row + (long)x0 * channels + c0, channels, pixels);
                }
            }
        }
    }

    /// <summary>Bᵀ d B of the group's tiles, sixteen channels at a time: transformed[(p·GroupTiles + t)·channels + c].</summary>
    [SkipLocalsInit]
    private void TransformInput(float* padded, int channels, int ty, int rows, int tx, int columns, float* transformed)
    {
        Vector512<float>* d = stackalloc Vector512<float>[Positions];
        long rowStride = (long)_paddedWidth * channels;
        for (int r = 0; r < rows; r++)
            for (int s = 0; s < columns; s++)
            {
                int t = r * columns + s;
                float* origin = padded + 4L * (ty + r) * rowStride + 4L * (tx + s) * channels;
                for (int c = 0; c < channels; c += Lanes)
                {
                    // Along the rows (i) for each column j, then along the columns for each transformed row.
                    for (int j = 0; j < 6; j++)
                    {
                        float* x = origin + (long)j * channels + c;
                        InputRows(Vector512.Load(x), Vector512.Load(x + rowStride), Vector512.Load(x + 2 * rowStride), Vector512.Load(x + 3 * rowStride),
                            Vector512.Load(x + 4 * rowStride), Vector512.Load(x + 5 * rowStride),
                            out d[j], out d[6 + j], out d[12 + j], out d[18 + j], out d[24 + j], out d[30 + j]);
                    }
                    float* destination = transformed + (long)t * channels + c;
                    long positionStride = (long)GroupTiles * channels;
                    for (int i = 0; i < 6; i++)
                    {
                        InputRows(d[6 * i], d[6 * i + 1], d[6 * i + 2], d[6 * i + 3], d[6 * i + 4], d[6 * i + 5],
                            out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3, out Vector512<float> r4, out Vector512<float> r5);
                        float* p = destination + 6 * i * positionStride;
                        r0.Store(p);
                        r1.Store(p + positionStride);
                        r2.Store(p + 2 * positionStride);
                        r3.Store(p + 3 * positionStride);
                        r4.Store(p + 4 * positionStride);
                        r5.Store(p + 5 * positionStride);
                    }
                }
            }
    }

    /// <summary>Bᵀ x for six values x0 … x5, Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRows(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, Vector512<float> x4, Vector512<float> x5,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3, out Vector512<float> r4, out Vector512<float> r5)
    {
        Vector512<float> four = Vector512.Create(4f), minusFour = Vector512.Create(-4f), minusFive = Vector512.Create(-5f), two = Vector512.Create(2f);
        r0 = Vector512.FusedMultiplyAdd(x0, four, Vector512.FusedMultiplyAdd(x2, minusFive, x4));
        r1 = Vector512.FusedMultiplyAdd(x1 + x2, minusFour, x3 + x4);
        r2 = Vector512.FusedMultiplyAdd(x1 - x2, four, x4 - x3);
        r3 = Vector512.FusedMultiplyAdd(x3 - x1, two, x4 - x2);
        r4 = Vector512.FusedMultiplyAdd(x1 - x3, two, x4 - x2);
        r5 = Vector512.FusedMultiplyAdd(x1, four, Vector512.FusedMultiplyAdd(x3, minusFive, x5));
    }

    /// <summary>Aᵀ x for six values, Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRows(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, Vector512<float> x4, Vector512<float> x5,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3)
    {
        Vector512<float> sum12 = x1 + x2, difference12 = x1 - x2, sum34 = x3 + x4, difference34 = x3 - x4;
        r0 = x0 + sum12 + sum34;
        r1 = Vector512.FusedMultiplyAdd(difference34, Vector512.Create(2f), difference12);
        r2 = Vector512.FusedMultiplyAdd(sum34, Vector512.Create(4f), sum12);
        r3 = Vector512.FusedMultiplyAdd(difference34, Vector512.Create(8f), difference12 + x5);
    }

    /// <summary>
    /// One tile's 4×4 outputs of sixteen channels from its 36 products (products[p·GroupTiles·32]),
    /// max-pooled to 2×2 and finished, into the pooled plane (channels last) where they lie inside it.
    /// </summary>
    [SkipLocalsInit]
    private void TransformOutput(float* products, Vector512<float> scale, Vector512<float> shift, float slope, float* pooled, int ty, int tx)
    {
        const int stride = GroupTiles * BlockChannels;
        Vector512<float>* o = stackalloc Vector512<float>[24];
        for (int j = 0; j < 6; j++)
        {
            float* x = products + j * stride;
            OutputRows(Vector512.Load(x), Vector512.Load(x + 6 * stride), Vector512.Load(x + 12 * stride), Vector512.Load(x + 18 * stride),
                Vector512.Load(x + 24 * stride), Vector512.Load(x + 30 * stride), out o[j], out o[6 + j], out o[12 + j], out o[18 + j]);
        }
        Vector512<float> slopes = Vector512.Create(slope);
        for (int a = 0; a < 2; a++)
        {
            OutputRows(o[12 * a], o[12 * a + 1], o[12 * a + 2], o[12 * a + 3], o[12 * a + 4], o[12 * a + 5],
                out Vector512<float> e0, out Vector512<float> e1, out Vector512<float> e2, out Vector512<float> e3);
            OutputRows(o[12 * a + 6], o[12 * a + 7], o[12 * a + 8], o[12 * a + 9], o[12 * a + 10], o[12 * a + 11],
                out Vector512<float> f0, out Vector512<float> f1, out Vector512<float> f2, out Vector512<float> f3);
            int py = 2 * ty + a;
            if (py >= _pool.OutHeight) break;
            int px = 2 * tx;
            if (px < _pool.OutWidth) Finish(Avx512F.Max(Avx512F.Max(e0, e1), Avx512F.Max(f0, f1)), scale, shift, slopes, pooled + ((long)py * _pool.OutWidth + px) * Lanes);
            if (px + 1 < _pool.OutWidth) Finish(Avx512F.Max(Avx512F.Max(e2, e3), Avx512F.Max(f2, f3)), scale, shift, slopes, pooled + ((long)py * _pool.OutWidth + px + 1) * Lanes);
        }
    }

    /// <summary>f(m·scale + shift), f multiplying the negatives by the slope.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(Vector512<float> m, Vector512<float> scale, Vector512<float> shift, Vector512<float> slope, float* destination)
    {
        Vector512<float> y = Vector512.FusedMultiplyAdd(m, scale, shift);
        Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512<float>.Zero), y * slope, y).Store(destination);
    }

    /// <summary>The products of <paramref name="tiles"/> tiles and one block: the JIT compiles a kernel per tile count, with only its accumulators.</summary>
    private static void Multiply(int tiles, float* transformed, int channels, float* weights, int inChannels, float* products)
    {
        switch (tiles)
        {
            case 8: Multiply<W8>(transformed, channels, weights, inChannels, products); break;
            case 7: Multiply<W7>(transformed, channels, weights, inChannels, products); break;
            case 6: Multiply<W6>(transformed, channels, weights, inChannels, products); break;
            case 5: Multiply<W5>(transformed, channels, weights, inChannels, products); break;
            case 4: Multiply<W4>(transformed, channels, weights, inChannels, products); break;
            case 3: Multiply<W3>(transformed, channels, weights, inChannels, products); break;
            case 2: Multiply<W2>(transformed, channels, weights, inChannels, products); break;
            default: Multiply<W1>(transformed, channels, weights, inChannels, products); break;
        }
    }

    /// <summary>
    /// products[(p·GroupTiles + t)·32 + j] = Σ_c weights[(p·inChannels + c)·32 + j] · transformed[(p·GroupTiles + t)·channels + c]
    /// for TTiles tiles: per position, every accumulator in a register for the whole sum over c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Multiply<TTiles>(float* transformed, int channels, float* weights, int inChannels, float* products)
        where TTiles : struct, IWidth
    {
        int tiles = TTiles.Value;
        nint tileStride = channels;
        for (int p = 0; p < Positions; p++)
        {
            float* x = transformed + (long)p * GroupTiles * channels, w = weights + (long)p * inChannels * BlockChannels;
            Vector512<float> a0 = default, c0 = default, a1 = default, c1 = default, a2 = default, c2 = default, a3 = default, c3 = default;
            Vector512<float> a4 = default, c4 = default, a5 = default, c5 = default, a6 = default, c6 = default, a7 = default, c7 = default;
            for (int c = 0; c < inChannels; c++, w += BlockChannels, x++)
            {
                Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(w + Lanes);
                if (tiles > 0) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[0])); a0 = Vector512.FusedMultiplyAdd(v, w0, a0); c0 = Vector512.FusedMultiplyAdd(v, w1, c0); }
                if (tiles > 1) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[tileStride])); a1 = Vector512.FusedMultiplyAdd(v, w0, a1); c1 = Vector512.FusedMultiplyAdd(v, w1, c1); }
                if (tiles > 2) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[2 * tileStride])); a2 = Vector512.FusedMultiplyAdd(v, w0, a2); c2 = Vector512.FusedMultiplyAdd(v, w1, c2); }
                if (tiles > 3) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[3 * tileStride])); a3 = Vector512.FusedMultiplyAdd(v, w0, a3); c3 = Vector512.FusedMultiplyAdd(v, w1, c3); }
                if (tiles > 4) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[4 * tileStride])); a4 = Vector512.FusedMultiplyAdd(v, w0, a4); c4 = Vector512.FusedMultiplyAdd(v, w1, c4); }
                if (tiles > 5) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[5 * tileStride])); a5 = Vector512.FusedMultiplyAdd(v, w0, a5); c5 = Vector512.FusedMultiplyAdd(v, w1, c5); }
                if (tiles > 6) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[6 * tileStride])); a6 = Vector512.FusedMultiplyAdd(v, w0, a6); c6 = Vector512.FusedMultiplyAdd(v, w1, c6); }
                if (tiles > 7) { Vector512<float> v = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(x[7 * tileStride])); a7 = Vector512.FusedMultiplyAdd(v, w0, a7); c7 = Vector512.FusedMultiplyAdd(v, w1, c7); }
            }
            float* y = products + (long)p * GroupTiles * BlockChannels;
            if (tiles > 0) { a0.Store(y); c0.Store(y + Lanes); }
            if (tiles > 1) { a1.Store(y + BlockChannels); c1.Store(y + BlockChannels + Lanes); }
            if (tiles > 2) { a2.Store(y + 2 * BlockChannels); c2.Store(y + 2 * BlockChannels + Lanes); }
            if (tiles > 3) { a3.Store(y + 3 * BlockChannels); c3.Store(y + 3 * BlockChannels + Lanes); }
            if (tiles > 4) { a4.Store(y + 4 * BlockChannels); c4.Store(y + 4 * BlockChannels + Lanes); }
            if (tiles > 5) { a5.Store(y + 5 * BlockChannels); c5.Store(y + 5 * BlockChannels + Lanes); }
            if (tiles > 6) { a6.Store(y + 6 * BlockChannels); c6.Store(y + 6 * BlockChannels + Lanes); }
            if (tiles > 7) { a7.Store(y + 7 * BlockChannels); c7.Store(y + 7 * BlockChannels + Lanes); }
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Winograd's F(4×4, 3×3) with the channels as vector lanes, the parts that the pooled
/// (<see cref="PooledWinogradConvolution"/>) and the plain (<see cref="Winograd4x4Convolution"/>) forms
/// share: the filters transformed (G g Gᵀ, in double) and packed per block of 32 output channels as
/// [block][position][c][32]; an image copied channels last into a zero-padded buffer; each 6×6 input
/// tile (overlapping by 2) transformed, 16 channels at a time, to 36 positions (Bᵀ d B); and per
/// position a block's products, the sum over the input channels of the transformed filter times the
/// tile's transformed input broadcast, eight tiles' accumulators in registers at once. The caller
/// takes the products back to 4×4 outputs with <see cref="OutputRows"/> (Aᵀ m A).
/// </summary>
internal static unsafe class Winograd4x4Lanes
{
    /// <summary>Output channels per block: two vectors.</summary>
    public const int BlockChannels = 2 * Lanes;

    /// <summary>The most tiles whose products one pass keeps in registers: two accumulators each.</summary>
    public const int GroupTiles = 8;

    /// <summary>Transformed positions of a 6×6 tile.</summary>
    public const int Positions = 36;

    /// <summary>Whether F(4×4, 3×3) computes <paramref name="g"/> here: AVX-512, a 3×3 kernel of stride 1, undilated, one group, padding up to 2.</summary>
    public static bool Applies(in Conv2dGeometry g) =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated && g.Groups == 1 && g.KernelHeight == 3 && g.KernelWidth == 3
        && g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1
        && g.PaddingHeight <= 2 && g.PaddingWidth <= 2;

    /// <summary>Input channels rounded up to whole vectors: the channels-last rows hold zeros past InChannels.</summary>
    public static int RoundUp(int channels) => (channels + Lanes - 1) / Lanes * Lanes;

    /// <summary>Floats of the packed, transformed weights: per block of 32 output channels, 36 positions of [InChannels][32].</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g) => checked((g.OutChannels + BlockChannels - 1) / BlockChannels * Positions * g.InChannels * BlockChannels);

    /// <summary>Floats of a group's transformed tiles and of one block's products.</summary>
    public static long GroupSize(in Conv2dGeometry g) => (long)Positions * GroupTiles * RoundUp(g.InChannels) + Positions * GroupTiles * BlockChannels;

    /// <summary>
    /// Transforms <paramref name="weight"/> ([OutChannels][InChannels][3][3]):
    /// packed[((b·36 + p)·InChannels + c)·32 + j] = (G g Gᵀ)[p] of output channel 32·b + j and input
    /// channel c, 0 for the lanes past OutChannels. Sixteen output channels at a time in float
    /// (<see cref="FilterTransform16"/>), a last few one by one in double.
    /// </summary>
    public static void PackWeights(in Conv2dGeometry g, float* weight, float* packed)
    {
        int channels = g.InChannels;
        new Span<float>(packed, PackedWeightsSize(g)).Clear();
        int vectorized = g.OutChannels / Lanes * Lanes;
        for (int o = 0; o < vectorized; o += Lanes)
            for (int c = 0; c < channels; c++)
                FilterTransform16(weight + ((long)o * channels + c) * 9, 9 * channels,
                    packed + ((long)(o / BlockChannels) * Positions * channels + c) * BlockChannels + o % BlockChannels, (long)channels * BlockChannels);
        Span<double> u = stackalloc double[Positions];
        for (int o = vectorized; o < g.OutChannels; o++)
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
    /// <see cref="FilterTransform"/> of sixteen filters at once, in float: filter l's taps start at
    /// <paramref name="g"/> + l·<paramref name="filterStride"/>, and its position p goes to
    /// <paramref name="u"/>[p·<paramref name="positionStride"/> + l].
    /// </summary>
    [SkipLocalsInit]
    private static void FilterTransform16(float* g, int filterStride, float* u, long positionStride)
    {
        // The taps tap-major, sixteen filters to a row.
        float* taps = stackalloc float[9 * Lanes];
        for (int l = 0; l < Lanes; l++)
            for (int t = 0; t < 9; t++) taps[t * Lanes + l] = g[(long)l * filterStride + t];
        // G g: row i, column j at rows[3i + j]; then each row times Gᵀ.
        Vector512<float>* rows = stackalloc Vector512<float>[18];
        for (int j = 0; j < 3; j++)
            FilterRows(Vector512.Load(taps + j * Lanes), Vector512.Load(taps + (3 + j) * Lanes), Vector512.Load(taps + (6 + j) * Lanes),
                out rows[j], out rows[3 + j], out rows[6 + j], out rows[9 + j], out rows[12 + j], out rows[15 + j]);
        for (int i = 0; i < 6; i++)
        {
            FilterRows(rows[3 * i], rows[3 * i + 1], rows[3 * i + 2],
                out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3, out Vector512<float> r4, out Vector512<float> r5);
            float* p = u + 6 * i * positionStride;
            r0.Store(p);
            r1.Store(p + positionStride);
            r2.Store(p + 2 * positionStride);
            r3.Store(p + 3 * positionStride);
            r4.Store(p + 4 * positionStride);
            r5.Store(p + 5 * positionStride);
        }
    }

    /// <summary>G x for three values: x0/4, −(x0 + x1 + x2)/6, −(x0 − x1 + x2)/6, x0/24 + x1/12 + x2/6, x0/24 − x1/12 + x2/6, x2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FilterRows(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3, out Vector512<float> r4, out Vector512<float> r5)
    {
        Vector512<float> sixth = Vector512.Create(1f / 6), outer = x0 + x2, edges = Vector512.FusedMultiplyAdd(x0, Vector512.Create(1f / 24), x2 * sixth);
        r0 = x0 * Vector512.Create(0.25f);
        r1 = -(outer + x1) * sixth;
        r2 = (x1 - outer) * sixth;
        r3 = Vector512.FusedMultiplyAdd(x1, Vector512.Create(1f / 12), edges);
        r4 = Vector512.FusedMultiplyAdd(x1, Vector512.Create(-1f / 12), edges);
        r5 = x2;
    }

    /// <summary>
    /// Padded rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of the image, channels last
    /// in a buffer <paramref name="paddedHeight"/> × <paramref name="paddedWidth"/> × <see cref="RoundUp"/>(InChannels)
    /// (the channel vectors past InChannels and the border stay zero; the whole buffer is zeroed first
    /// when <paramref name="clear"/>): sixteen channels of sixteen pixels at a time, staged as rows and
    /// transposed in registers (<see cref="ChannelVectorConvolution.Store"/>). Returns whether every value read was finite.
    /// </summary>
    [SkipLocalsInit]
    public static bool Pad(in Conv2dGeometry g, float* image, float* padded, int paddedHeight, int paddedWidth, bool clear, int firstRow, int endRow)
    {
        int channels = RoundUp(g.InChannels);
        if (clear) new Span<float>(padded, paddedHeight * paddedWidth * channels).Clear();
        int iy0 = Math.Max(0, firstRow - g.PaddingHeight), iy1 = Math.Min(g.InHeight, endRow - g.PaddingHeight);
        int plane = g.InHeight * g.InWidth, width = g.InWidth;
        float* staging = stackalloc float[Lanes * Lanes];
        // x − x is 0 for a finite x and NaN otherwise; the NaN survives the sum.
        Vector512<float> check = Vector512<float>.Zero;
        for (int iy = iy0; iy < iy1; iy++)
        {
            float* row = padded + ((long)(iy + g.PaddingHeight) * paddedWidth + g.PaddingWidth) * channels;
            for (int x0 = 0; x0 < width; x0 += Lanes)
            {
                int pixels = Math.Min(Lanes, width - x0);
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(pixels)).AsSingle();
                for (int c0 = 0; c0 < g.InChannels; c0 += Lanes)
                {
                    int count = Math.Min(Lanes, g.InChannels - c0);
                    float* source = image + (long)c0 * plane + (long)iy * width + x0;
                    for (int r = 0; r < count; r++)
                    {
                        Vector512<float> x = Avx512F.MaskLoad(source + (long)r * plane, mask, Vector512<float>.Zero);
                        check += x - x;
                        x.Store(staging + r * Lanes);
                    }
                    // Staging row r holds channel c0 + r of the pixels: transposed, pixel p's sixteen channels go to row[(x0 + p)·channels + c0 …].
                    ChannelVectorConvolution.Store(staging, count, row + (long)x0 * channels + c0, channels, pixels);
                }
            }
        }
        return Vector512.EqualsAll(check, Vector512<float>.Zero);
    }

    /// <summary>
    /// Bᵀ d B of a group's tiles (<paramref name="rows"/> tile rows from <paramref name="ty"/> by
    /// <paramref name="columns"/> tile columns from <paramref name="tx"/>, tile t = r·columns + s),
    /// sixteen channels at a time: transformed[(p·GroupTiles + t)·channels + c].
    /// </summary>
    [SkipLocalsInit]
    public static void TransformInput(float* padded, int paddedWidth, int channels, int ty, int rows, int tx, int columns, float* transformed)
    {
        Vector512<float>* d = stackalloc Vector512<float>[Positions];
        long rowStride = (long)paddedWidth * channels;
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
    public static void OutputRows(Vector512<float> x0, Vector512<float> x1, Vector512<float> x2, Vector512<float> x3, Vector512<float> x4, Vector512<float> x5,
        out Vector512<float> r0, out Vector512<float> r1, out Vector512<float> r2, out Vector512<float> r3)
    {
        Vector512<float> sum12 = x1 + x2, difference12 = x1 - x2, sum34 = x3 + x4, difference34 = x3 - x4;
        r0 = x0 + sum12 + sum34;
        r1 = Vector512.FusedMultiplyAdd(difference34, Vector512.Create(2f), difference12);
        r2 = Vector512.FusedMultiplyAdd(sum34, Vector512.Create(4f), sum12);
        r3 = Vector512.FusedMultiplyAdd(difference34, Vector512.Create(8f), difference12 + x5);
    }

    /// <summary>
    /// Aᵀ M of one tile's products for sixteen channels (products[p·GroupTiles·32], p = 6i + j), the
    /// 4×6 intermediate left in <paramref name="o"/>[6a + j] for output row a; <see cref="OutputRows"/>
    /// of o[6a … 6a + 5] gives output row a.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputColumns(float* products, Vector512<float>* o)
    {
        const int stride = GroupTiles * BlockChannels;
        for (int j = 0; j < 6; j++)
        {
            float* x = products + j * stride;
            OutputRows(Vector512.Load(x), Vector512.Load(x + 6 * stride), Vector512.Load(x + 12 * stride), Vector512.Load(x + 18 * stride),
                Vector512.Load(x + 24 * stride), Vector512.Load(x + 30 * stride), out o[j], out o[6 + j], out o[12 + j], out o[18 + j]);
        }
    }

    /// <summary>f(m·scale + shift), f multiplying the negatives by the slope.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Finish(Vector512<float> m, Vector512<float> scale, Vector512<float> shift, Vector512<float> slope)
    {
        Vector512<float> y = Vector512.FusedMultiplyAdd(m, scale, shift);
        return Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512<float>.Zero), y * slope, y);
    }

    /// <summary>The products of <paramref name="tiles"/> tiles and one block: the JIT compiles a kernel per tile count, with only its accumulators.</summary>
    public static void Multiply(int tiles, float* transformed, int channels, float* weights, int inChannels, float* products)
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
}

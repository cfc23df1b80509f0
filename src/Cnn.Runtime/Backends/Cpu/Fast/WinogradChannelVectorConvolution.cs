using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The forward pass of a 3×3, stride-1 convolution on a small plane by Winograd's F(2×2, 3×3) with
/// the output channels as vector lanes: the CIFAR AlexNet-like net's 6×6 layers at small batches,
/// where the GEMM form (<see cref="WinogradConvolution"/>) has too few tiles per GEMM and transforms
/// its filters every call. Here the transformed filters U_p = (G w Gᵀ)_p are packed once per block
/// of 32 output channels as [p][c][32] and kept between calls (<see cref="PackWeights"/>, by the
/// caller's <see cref="PackedWeightCache"/>); each image's input tiles are transformed to
/// V_p[c][t] = (Bᵀ d Bᵀᵀ)_p (<see cref="TransformInput"/>); and for each position p the products
/// M_p[t][k] = Σ_c V_p[c][t]·U_p[c][k] of all the plane's tiles (at most
/// <see cref="WideChannelVectorConvolution.MaxPixels"/>) are one register-blocked reduction of the
/// wide channel-vector kernel (<see cref="WideChannelVectorConvolution.AccumulateRow"/>, the tiles as
/// its pixels). The output transform Y = Aᵀ M A, the bias or epilogue (y·scale + shift, below zero
/// times a slope) and the transpose into NCHW rows (<see cref="ChannelVectorConvolution.Store"/>) follow
/// lane by lane. 16·9 multiply-adds per tile and channel pair against 36 for the direct form.
/// Padding up to 2; <see cref="Reference.Conv2dReference"/> is the reference.
/// </summary>
internal sealed unsafe class WinogradChannelVectorConvolution
{
    private const int Positions = 16, BlockChannels = WideChannelVectorConvolution.BlockChannels;

    private readonly Conv2dGeometry _g;
    private readonly int _tilesHigh, _tilesWide, _tiles, _planeHeight, _planeWidth, _blocks;

    // V_p[c][t] lies at p·C·T + c·T + t: step c of a position's reduction reads offsets[c] = c·T. Pinned, read by every worker.
    private readonly int[] _offsets;

    /// <summary>Prepares the tiles of <paramref name="geometry"/>, which <see cref="Applies"/> must accept.</summary>
    public WinogradChannelVectorConvolution(in Conv2dGeometry geometry)
    {
        if (!Applies(geometry)) throw new ArgumentException($"The channel-vector Winograd convolution does not take {geometry}: it needs AVX-512, a 3×3 stride-1 undilated ungrouped kernel, padding up to 2 and at most {WideChannelVectorConvolution.MaxPixels} tiles of 2×2 outputs.", nameof(geometry));
        _g = geometry;
        _tilesHigh = (geometry.OutHeight + 1) / 2;
        _tilesWide = (geometry.OutWidth + 1) / 2;
        _tiles = _tilesHigh * _tilesWide;
        _planeHeight = 2 * _tilesHigh + 2;
        _planeWidth = 2 * _tilesWide + 2;
        _blocks = (geometry.OutChannels + BlockChannels - 1) / BlockChannels;
        _offsets = GC.AllocateArray<int>(geometry.InChannels, pinned: true);
        for (int c = 0; c < geometry.InChannels; c++) _offsets[c] = c * _tiles;
    }

    /// <summary>Whether a convolution of <paramref name="g"/> can run here: F(2×2, 3×3)'s shapes, and a plane of at most <see cref="WideChannelVectorConvolution.MaxPixels"/> tiles (one register block).</summary>
    public static bool Applies(in Conv2dGeometry g) =>
        WideChannelVectorConvolution.Applies(g) && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.PaddingHeight <= 2 && g.PaddingWidth <= 2
        && (g.OutHeight + 1) / 2 * ((g.OutWidth + 1) / 2) <= WideChannelVectorConvolution.MaxPixels;

    /// <summary>Blocks of 32 output channels.</summary>
    public int Blocks => _blocks;

    /// <summary>Floats of the packed, transformed filters: per block, 16 positions of [C][its width (32, or 16 for a last block of at most sixteen)].</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g) => checked(Positions * WideChannelVectorConvolution.PackedWeightsSize(g) / (g.InChannels * 9) * g.InChannels);

    /// <summary>Floats of one image's transformed input V (16·C·T).</summary>
    public int TransformedSize => Positions * _g.InChannels * _tiles;

    /// <summary>Floats of a worker's buffer besides V: a padded plane, the segment tile, the products of a block (T·16·32), its output channel-last, and scale, shift and zero lanes.</summary>
    public int WorkSize => _planeHeight * _planeWidth + WideChannelVectorConvolution.TileFloats + _tiles * Positions * BlockChannels
        + (4 * _tiles + Lanes) * BlockChannels + 3 * BlockChannels + 64;

    /// <summary>
    /// Blocks [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) of the packed filters: block b
    /// (channels o0 = 32·b on) at packed + 16·o0·C, position p's [C][width] matrix at p·C·width within
    /// it, U_p[c][j] = (G w[o0 + j, c] Gᵀ)_p, 0 for the lanes past the channels. Sixteen output
    /// channels at a time in float (<see cref="WinogradTransforms.Filter16"/>), the rest one by one in
    /// double; training repacks every call, so the workers share the blocks.
    /// </summary>
    public static void PackWeights(in Conv2dGeometry g, float* weight, float* packed, int firstBlock, int endBlock)
    {
        int c = g.InChannels;
        for (int o0 = firstBlock * BlockChannels; o0 < Math.Min(g.OutChannels, endBlock * BlockChannels); o0 += BlockChannels)
        {
            int channels = Math.Min(BlockChannels, g.OutChannels - o0), width = channels > Lanes ? BlockChannels : Lanes;
            float* block = packed + (long)Positions * o0 * c;
            long positionStride = (long)c * width;
            new Span<float>(block, Positions * c * width).Clear();
            int j = 0;
            for (; j + Lanes <= channels; j += Lanes)
                for (int i = 0; i < c; i++)
                    WinogradTransforms.Filter16(weight + ((long)(o0 + j) * c + i) * 9, 9 * c, rotate: false, block + (long)i * width + j, positionStride);
            for (; j < channels; j++)
                for (int i = 0; i < c; i++)
                    WinogradTransforms.Filter(weight + ((long)(o0 + j) * c + i) * 9, rotate: false, block + (long)i * width + j, positionStride);
        }
    }

    /// <summary>
    /// Input channels [<paramref name="firstChannel"/>, <paramref name="endChannel"/>) of one image
    /// into V (<see cref="TransformedSize"/> floats): V[p·C·T + c·T + t] = (Bᵀ d B)_p of the 4×4 input
    /// tile d of tile t, zero outside the image. <paramref name="work"/> is a worker's buffer (<see cref="WorkSize"/>).
    /// </summary>
    public void TransformInput(float* image, int firstChannel, int endChannel, float* v, float* work)
    {
        int c = _g.InChannels, h = _g.InHeight, w = _g.InWidth, ph = _g.PaddingHeight, pw = _g.PaddingWidth;
        float* plane = work;
        long positionStride = (long)c * _tiles;
        new Span<float>(plane, _planeHeight * _planeWidth).Clear();
        int rows = Math.Min(h, _planeHeight - ph), cols = Math.Min(w, _planeWidth - pw);
        for (int ch = firstChannel; ch < endChannel; ch++)
        {
            for (int y = 0; y < rows; y++)
                new ReadOnlySpan<float>(image + ((long)ch * h + y) * w, cols).CopyTo(new Span<float>(plane + (y + ph) * _planeWidth + pw, cols));
            float* target = v + (long)ch * _tiles;
            for (int ty = 0; ty < _tilesHigh; ty++)
                for (int tx = 0; tx < _tilesWide; tx++)
                {
                    float* d = plane + 2 * ty * _planeWidth + 2 * tx;
                    float* r0 = d, r1 = d + _planeWidth, r2 = r1 + _planeWidth, r3 = r2 + _planeWidth;
                    // Bᵀ d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
                    float a0 = r0[0] - r2[0], a1 = r0[1] - r2[1], a2 = r0[2] - r2[2], a3 = r0[3] - r2[3];
                    float b0 = r1[0] + r2[0], b1 = r1[1] + r2[1], b2 = r1[2] + r2[2], b3 = r1[3] + r2[3];
                    float e0 = r2[0] - r1[0], e1 = r2[1] - r1[1], e2 = r2[2] - r1[2], e3 = r2[3] - r1[3];
                    float f0 = r1[0] - r3[0], f1 = r1[1] - r3[1], f2 = r1[2] - r3[2], f3 = r1[3] - r3[3];
                    float* o = target + ty * _tilesWide + tx;
                    // … B: columns x0 − x2, x1 + x2, x2 − x1, x1 − x3.
                    o[0] = a0 - a2; o[positionStride] = a1 + a2; o[2 * positionStride] = a2 - a1; o[3 * positionStride] = a1 - a3;
                    o[4 * positionStride] = b0 - b2; o[5 * positionStride] = b1 + b2; o[6 * positionStride] = b2 - b1; o[7 * positionStride] = b1 - b3;
                    o[8 * positionStride] = e0 - e2; o[9 * positionStride] = e1 + e2; o[10 * positionStride] = e2 - e1; o[11 * positionStride] = e1 - e3;
                    o[12 * positionStride] = f0 - f2; o[13 * positionStride] = f1 + f2; o[14 * positionStride] = f2 - f1; o[15 * positionStride] = f1 - f3;
                }
        }
    }

    /// <summary>
    /// Blocks [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) of one image's output from
    /// its V (<see cref="TransformInput"/>): y = (Aᵀ M A)·scale + shift per channel, below zero times
    /// <paramref name="slope"/>; <paramref name="scale"/> null means 1 and <paramref name="shift"/> null 0.
    /// <paramref name="work"/> is a worker's buffer (<see cref="WorkSize"/> floats).
    /// </summary>
    public void Forward(float* v, float* packedWeights, float* scale, float* shift, float slope, float* output, int firstBlock, int endBlock, float* work)
    {
        int c = _g.InChannels, outHeight = _g.OutHeight, outWidth = _g.OutWidth, plane = outHeight * outWidth;
        float* tile = Align(work + _planeHeight * _planeWidth);
        float* products = tile + WideChannelVectorConvolution.TileFloats;
        float* finished = products + _tiles * Positions * BlockChannels;
        float* lanes = finished + (4 * _tiles + Lanes) * BlockChannels;
        float* zero = lanes, scaleLanes = lanes + BlockChannels, shiftLanes = lanes + 2 * BlockChannels;
        new Span<float>(zero, BlockChannels).Clear();
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsets));
        long positionStride = (long)c * _tiles;
        for (int block = firstBlock; block < endBlock; block++)
        {
            int o0 = block * BlockChannels, channels = Math.Min(BlockChannels, _g.OutChannels - o0), width = channels > Lanes ? BlockChannels : Lanes;
            bool two = channels > Lanes;
            for (int j = 0; j < BlockChannels; j++)
            {
                scaleLanes[j] = j >= channels ? 0f : scale == null ? 1f : scale[o0 + j];
                shiftLanes[j] = j >= channels || shift == null ? 0f : shift[o0 + j];
            }
            float* weights = packedWeights + (long)Positions * o0 * c;
            for (int p = 0; p < Positions; p++)
            {
                WideChannelVectorConvolution.AccumulateRow(two, _tiles, v + p * positionStride, offsets, weights + (long)p * c * width, c, zero, tile);
                for (int t = 0; t < _tiles; t++)
                {
                    float* m = products + ((long)t * Positions + p) * BlockChannels;
                    Vector512.Load(tile + t * Lanes).Store(m);
                    if (two) Vector512.Load(tile + WideChannelVectorConvolution.TileHalf + t * Lanes).Store(m + Lanes);
                }
            }
            OutputTransform(products, two, scaleLanes, shiftLanes, slope, finished);
            // finished holds the block's plane channel-last in NCHW pixel order: store it sixteen pixels at a time.
            float* destination = output + (long)o0 * plane;
            for (int p0 = 0; p0 < plane; p0 += Lanes)
            {
                int count = Math.Min(Lanes, plane - p0);
                CopyHalf(finished, p0, count, 0, tile);
                Store(tile, count, destination + p0, plane, Math.Min(Lanes, channels));
                if (!two) continue;
                CopyHalf(finished, p0, count, Lanes, tile);
                Store(tile, count, destination + (long)Lanes * plane + p0, plane, channels - Lanes);
            }
        }
    }

    // Pixels [p0, p0 + count) of one half of the finished plane into tile rows 0…count − 1.
    private static void CopyHalf(float* finished, int p0, int count, int half, float* tile)
    {
        for (int i = 0; i < count; i++) Vector512.Load(finished + (long)(p0 + i) * BlockChannels + half).Store(tile + i * Lanes);
    }

    // Y = Aᵀ M A, Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], per tile and half; finished, then written to the plane channel-last (pixels past the plane dropped).
    private void OutputTransform(float* products, bool two, float* scaleLanes, float* shiftLanes, float slope, float* finished)
    {
        int outHeight = _g.OutHeight, outWidth = _g.OutWidth;
        for (int half = 0; half < (two ? 2 : 1); half++)
        {
            Vector512<float> scale = Vector512.Load(scaleLanes + half * Lanes), shift = Vector512.Load(shiftLanes + half * Lanes), k = Vector512.Create(slope);
            for (int ty = 0; ty < _tilesHigh; ty++)
                for (int tx = 0; tx < _tilesWide; tx++)
                {
                    float* m = products + (long)(ty * _tilesWide + tx) * Positions * BlockChannels + half * Lanes;
                    Vector512<float> s0 = M(m, 0) + M(m, 4) + M(m, 8), s1 = M(m, 1) + M(m, 5) + M(m, 9);
                    Vector512<float> s2 = M(m, 2) + M(m, 6) + M(m, 10), s3 = M(m, 3) + M(m, 7) + M(m, 11);
                    Vector512<float> d0 = M(m, 4) - M(m, 8) - M(m, 12), d1 = M(m, 5) - M(m, 9) - M(m, 13);
                    Vector512<float> d2 = M(m, 6) - M(m, 10) - M(m, 14), d3 = M(m, 7) - M(m, 11) - M(m, 15);
                    int y = 2 * ty, x = 2 * tx;
                    Put(finished, y, x, s0 + s1 + s2, scale, shift, k, half);
                    if (x + 1 < outWidth) Put(finished, y, x + 1, s1 - s2 - s3, scale, shift, k, half);
                    if (y + 1 < outHeight)
                    {
                        Put(finished, y + 1, x, d0 + d1 + d2, scale, shift, k, half);
                        if (x + 1 < outWidth) Put(finished, y + 1, x + 1, d1 - d2 - d3, scale, shift, k, half);
                    }
                }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> M(float* m, int p) => Vector512.Load(m + p * BlockChannels);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put(float* finished, int y, int x, Vector512<float> value, Vector512<float> scale, Vector512<float> shift, Vector512<float> slope, int half)
    {
        Vector512<float> a = Vector512.FusedMultiplyAdd(value, scale, shift);
        Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<float>.Zero), a * slope, a).Store(finished + (long)(y * _g.OutWidth + x) * BlockChannels + half * Lanes);
    }

    private static float* Align(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}

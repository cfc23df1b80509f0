using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The forward pass of a convolution with at most sixteen output channels and a short reduction
/// (InChannels·KernelHeight·KernelWidth), computed directly with the output channels as the lanes
/// of one 512-bit vector: LeNet-5's conv2 (6→16, 5×5 on 14×14, depth 150), where im2col + GEMM
/// fills half a GEMM tile's rows and copies every input pixel 25 times. Each output row goes in
/// segments of up to sixteen pixels, one accumulator (all channels) per pixel; each reduction step
/// k = (c, kh, kw) loads the weights w[·, k] once, as one vector, and multiplies them by each pixel's
/// input at that tap, broadcast: y[·, oy, ox] = b + Σ_k w[·, k]·xpad[c, oy + kh·dh, ox + kw·dw].
/// A segment's accumulators are then transposed (16×16, in registers) into channel rows and stored
/// with a mask. Stride 1, one group; any padding (an image is copied once into a zero-padded buffer;
/// unpadded images are read in place) and dilation (it only moves the taps).
/// The weights are packed once as [k][16 channels] (<see cref="PackWeights"/>), the caller keeping
/// them between calls (<see cref="PackedWeightCache"/>). <see cref="Reference.Conv2dReference"/> is the reference.
/// </summary>
internal sealed unsafe class ChannelVectorConvolution
{
    /// <summary>Output channels per vector: the most this path takes.</summary>
    public const int Lanes = 16;

    /// <summary>The largest InChannels·KernelHeight·KernelWidth: the packed weights (depth × 64 bytes) stay within 32 KB of L1.</summary>
    private const int MaxDepth = 512;

    /// <summary>
    /// The fewest output channels the rule gives this path: with fewer, more than half of each
    /// vector's lanes idle, and the GEMM (or <see cref="DirectConvolution"/> for a first layer) keeps
    /// them. A bound from lane use, not measured: the one layer measured is LeNet-5's conv2 (16 channels),
    /// 2.5× faster here than by im2col + GEMM (see <see cref="FastConv2dOperator"/>).
    /// </summary>
    private const int MinOutChannels = 9;

    private readonly Conv2dGeometry _g;
    private readonly int _paddedHeight, _paddedWidth, _depth;

    // Where tap k = (c, kh, kw) lies in the (padded) image, relative to the output pixel's position: pinned, read by every worker.
    private readonly int[] _offsets;

    /// <summary>Prepares the taps of <paramref name="geometry"/>, which <see cref="Applies"/> must accept.</summary>
    public ChannelVectorConvolution(in Conv2dGeometry geometry)
    {
        if (!Applies(geometry)) throw new ArgumentException($"The channel-vector convolution does not take {geometry}: it needs AVX-512, stride 1, one group, at most {Lanes} output channels and a depth of at most {MaxDepth}.", nameof(geometry));
        _g = geometry;
        _paddedHeight = geometry.InHeight + 2 * geometry.PaddingHeight;
        _paddedWidth = geometry.InWidth + 2 * geometry.PaddingWidth;
        _depth = geometry.InChannels * geometry.KernelHeight * geometry.KernelWidth;
        _offsets = ChannelVectorConvolution.TapOffsets(geometry, _paddedHeight, _paddedWidth);
    }

    /// <summary>
    /// Where each tap k = (c, kh, kw) of <paramref name="g"/> lies in a padded image of
    /// <paramref name="paddedHeight"/> × <paramref name="paddedWidth"/>, relative to the output pixel's
    /// position: pinned, since every worker reads it by pointer.
    /// </summary>
    internal static int[] TapOffsets(in Conv2dGeometry g, int paddedHeight, int paddedWidth)
    {
        int[] offsets = GC.AllocateArray<int>(g.InChannels * g.KernelHeight * g.KernelWidth, pinned: true);
        int k = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++)
                    offsets[k++] = (c * paddedHeight + kh * g.DilationHeight) * paddedWidth + kw * g.DilationWidth;
        return offsets;
    }

    /// <summary>Whether a convolution of <paramref name="g"/> can run here (<see cref="Preferred"/> says whether it should).</summary>
    public static bool Applies(in Conv2dGeometry g) =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.OutChannels <= Lanes && g.InChannels * g.KernelHeight * g.KernelWidth <= MaxDepth;

    /// <summary>
    /// The rule: a convolution that <see cref="Applies"/> runs here when at least
    /// <see cref="MinOutChannels"/> of the sixteen lanes hold output channels, the kernel is wider than
    /// 1×1 (pointwise layers, such as GoogLeNet's 192→16 reductions, read their input in place into a
    /// GEMM and were never measured here) and <see cref="DirectConvolution"/> does not take it.
    /// </summary>
    public static bool Preferred(in Conv2dGeometry g) =>
        Applies(g) && g.OutChannels >= MinOutChannels && g.KernelHeight * g.KernelWidth > 1 && !DirectConvolution.Applies(g);

    /// <summary>Floats of the padded copy of one image (a buffer per worker); 0 for an unpadded convolution, which reads its input in place.</summary>
    public static int PaddedSize(in Conv2dGeometry g) =>
        g.PaddingHeight == 0 && g.PaddingWidth == 0 ? 0 : g.InChannels * (g.InHeight + 2 * g.PaddingHeight) * (g.InWidth + 2 * g.PaddingWidth);

    /// <summary>Floats of the packed weights: a vector of sixteen channels per reduction step.</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g) => g.InChannels * g.KernelHeight * g.KernelWidth * Lanes;

    /// <summary>packed[k·16 + o] = weight[o, k] for the output channels, 0 for the lanes past them.</summary>
    public static void PackWeights(in Conv2dGeometry g, float* weight, float* packed)
    {
        int depth = g.InChannels * g.KernelHeight * g.KernelWidth;
        new Span<float>(packed, depth * Lanes).Clear();
        for (int o = 0; o < g.OutChannels; o++)
            for (int k = 0; k < depth; k++)
                packed[k * Lanes + o] = weight[(long)o * depth + k];
    }

    /// <summary>
    /// Writes the output of one image; <paramref name="bias"/> may be null. <paramref name="padded"/>
    /// (<see cref="PaddedSize"/> floats) holds the padded copy; its zero border is written only when
    /// <paramref name="clearPadded"/> (a worker's first image of a call), since later images overwrite
    /// only the inside.
    /// </summary>
    public void Forward(float* image, float* packedWeights, float* bias, float* output, float* padded, bool clearPadded)
    {
        float* source = image;
        if (PaddedSize(_g) > 0)
        {
            Pad(image, padded, clearPadded);
            source = padded;
        }
        float* biasLanes = stackalloc float[Lanes];
        new Span<float>(biasLanes, Lanes).Clear();
        if (bias != null) new ReadOnlySpan<float>(bias, _g.OutChannels).CopyTo(new Span<float>(biasLanes, Lanes));
        Vector512<float> initial = Vector512.Load(biasLanes);

        float* tile = stackalloc float[Lanes * Lanes];
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsets));
        int plane = _g.OutHeight * _g.OutWidth;
        for (int oy = 0; oy < _g.OutHeight; oy++)
        {
            float* row = source + (long)oy * _paddedWidth;
            for (int ox = 0; ox < _g.OutWidth; ox += Lanes)
            {
                int width = Math.Min(Lanes, _g.OutWidth - ox);
                Segment(width, row + ox, offsets, packedWeights, _depth, initial, tile);
                Store(tile, width, output + (long)oy * _g.OutWidth + ox, plane, _g.OutChannels);
            }
        }
    }

    private void Pad(float* image, float* padded, bool clear)
    {
        if (clear) new Span<float>(padded, PaddedSize(_g)).Clear();
        for (int c = 0; c < _g.InChannels; c++)
            for (int iy = 0; iy < _g.InHeight; iy++)
                new ReadOnlySpan<float>(image + ((long)c * _g.InHeight + iy) * _g.InWidth, _g.InWidth)
                    .CopyTo(new Span<float>(padded + ((long)c * _paddedHeight + iy + _g.PaddingHeight) * _paddedWidth + _g.PaddingWidth, _g.InWidth));
    }

    /// <summary>Floats of <see cref="WeightGradient"/>'s scratch: the packed gradient [depth][16] and one image's transposed output gradient [pixel][16].</summary>
    public static int GradientScratchSize(in Conv2dGeometry g) =>
        checked((g.InChannels * g.KernelHeight * g.KernelWidth + g.OutHeight * g.OutWidth) * Lanes);

    /// <summary>
    /// The weight and bias gradients of <paramref name="count"/> images, the backward of <see cref="Forward"/>:
    /// dW[o, k] (+)= Σ_n Σ_p dY[n, o, p]·xpad[n, c, p + tap k], db[o] (+)= Σ_n Σ_p dY[n, o, p], with the
    /// output channels as the lanes. Per image the output gradient is transposed to pixel-major vectors
    /// dYᵀ[p][16 channels]; then for blocks of up to twelve taps, one accumulator per tap (all
    /// channels) stays in a register while each pixel's dYᵀ[p] is loaded once and multiplied by the
    /// tap's input, broadcast. The sums go in the packed order [k][16] in <paramref name="scratch"/>
    /// (<see cref="GradientScratchSize"/> floats) and are written out as dW[o][k] at the end, added
    /// to it when <paramref name="accumulate"/>. <paramref name="weightGradient"/> or
    /// <paramref name="biasGradient"/> may be null (not wanted). <paramref name="padded"/> is as for
    /// <see cref="Forward"/>; its border is cleared here.
    /// </summary>
    public void WeightGradient(int count, float* images, float* outputGradients, float* weightGradient, float* biasGradient, bool accumulate,
        float* scratch, float* padded)
    {
        int plane = _g.OutHeight * _g.OutWidth, channels = _g.OutChannels;
        float* packed = scratch, transposed = scratch + (long)_depth * Lanes;
        new Span<float>(packed, _depth * Lanes).Clear();
        Vector512<float> biasSum = Vector512<float>.Zero;
        float* tile = stackalloc float[Lanes * Lanes];
        new Span<float>(tile, Lanes * Lanes).Clear(); // rows past the channels stay 0: the lanes past them in dYᵀ
        int* offsets = (int*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_offsets));
        for (int n = 0; n < count; n++)
        {
            float* image = images + (long)n * _g.InputSize, dy = outputGradients + (long)n * _g.OutputSize;
            Transpose(dy, plane, channels, transposed, tile);
            if (biasGradient != null)
                for (int p = 0; p < plane; p++) biasSum += Vector512.Load(transposed + p * Lanes);
            if (weightGradient == null) continue;

            float* source = image;
            if (PaddedSize(_g) > 0)
            {
                Pad(image, padded, clear: n == 0);
                source = padded;
            }
            for (int k = 0; k < _depth; k += TapBlock)
                Taps(Math.Min(TapBlock, _depth - k), source, offsets + k, transposed, packed + k * Lanes, _g.OutHeight, _g.OutWidth, _paddedWidth);
        }

        if (weightGradient != null)
            for (int o = 0; o < channels; o++)
            {
                float* dw = weightGradient + (long)o * _depth;
                for (int k = 0; k < _depth; k++) dw[k] = accumulate ? dw[k] + packed[k * Lanes + o] : packed[k * Lanes + o];
            }
        if (biasGradient != null)
            for (int o = 0; o < channels; o++) biasGradient[o] = accumulate ? biasGradient[o] + biasSum[o] : biasSum[o];
    }

    /// <summary>
    /// dYᵀ[p][o] = dY[o][p] for o &lt; <paramref name="channels"/>, sixteen pixels at a time: their
    /// channel rows into <paramref name="tile"/> (whose rows past the channels hold 0), transposed by
    /// <see cref="Store"/> with the pixels in the role of the channels.
    /// </summary>
    private static void Transpose(float* dy, int plane, int channels, float* transposed, float* tile)
    {
        for (int p0 = 0; p0 < plane; p0 += Lanes)
        {
            int width = Math.Min(Lanes, plane - p0);
            for (int o = 0; o < channels; o++)
            {
                float* row = dy + (long)o * plane + p0;
                if (width == Lanes) Vector512.Store(Vector512.Load(row), tile + o * Lanes);
                else new ReadOnlySpan<float>(row, width).CopyTo(new Span<float>(tile + o * Lanes, width));
            }
            Store(tile, Lanes, transposed + (long)p0 * Lanes, Lanes, width);
        }
    }

    /// <summary>Taps per block of <see cref="Taps"/>: twelve accumulators and the output-gradient vector fill 13 of the 32 vector registers.</summary>
    private const int TapBlock = 12;

    /// <summary>A block of <paramref name="count"/> taps: the JIT compiles one kernel per count, with only its accumulators.</summary>
    private static void Taps(int count, float* source, int* offsets, float* transposed, float* gradient, int outHeight, int outWidth, int paddedWidth)
    {
        switch (count)
        {
            case 12: AccumulateTaps<W12>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 11: AccumulateTaps<W11>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 10: AccumulateTaps<W10>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 9: AccumulateTaps<W9>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 8: AccumulateTaps<W8>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 7: AccumulateTaps<W7>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 6: AccumulateTaps<W6>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 5: AccumulateTaps<W5>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 4: AccumulateTaps<W4>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 3: AccumulateTaps<W3>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            case 2: AccumulateTaps<W2>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
            default: AccumulateTaps<W1>(source, offsets, transposed, gradient, outHeight, outWidth, paddedWidth); break;
        }
    }

    /// <summary>
    /// gradient[i][·] += Σ_p dYᵀ[p]·source[p + offsets[i]] for the TCount taps of a
    /// block (p runs over the output pixels, at (oy, ox) in the padded image's rows); no calls
    /// inside, so that the JIT keeps the accumulators in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateTaps<TCount>(float* source, int* offsets, float* transposed, float* gradient, int outHeight, int outWidth, int paddedWidth)
        where TCount : struct, IWidth
    {
        int count = TCount.Value;
        Vector512<float> a0 = count > 0 ? Vector512.Load(gradient + 0 * Lanes) : default;
        Vector512<float> a1 = count > 1 ? Vector512.Load(gradient + 1 * Lanes) : default;
        Vector512<float> a2 = count > 2 ? Vector512.Load(gradient + 2 * Lanes) : default;
        Vector512<float> a3 = count > 3 ? Vector512.Load(gradient + 3 * Lanes) : default;
        Vector512<float> a4 = count > 4 ? Vector512.Load(gradient + 4 * Lanes) : default;
        Vector512<float> a5 = count > 5 ? Vector512.Load(gradient + 5 * Lanes) : default;
        Vector512<float> a6 = count > 6 ? Vector512.Load(gradient + 6 * Lanes) : default;
        Vector512<float> a7 = count > 7 ? Vector512.Load(gradient + 7 * Lanes) : default;
        Vector512<float> a8 = count > 8 ? Vector512.Load(gradient + 8 * Lanes) : default;
        Vector512<float> a9 = count > 9 ? Vector512.Load(gradient + 9 * Lanes) : default;
        Vector512<float> a10 = count > 10 ? Vector512.Load(gradient + 10 * Lanes) : default;
        Vector512<float> a11 = count > 11 ? Vector512.Load(gradient + 11 * Lanes) : default;
        int o0 = count > 0 ? offsets[0] : 0;
        int o1 = count > 1 ? offsets[1] : 0;
        int o2 = count > 2 ? offsets[2] : 0;
        int o3 = count > 3 ? offsets[3] : 0;
        int o4 = count > 4 ? offsets[4] : 0;
        int o5 = count > 5 ? offsets[5] : 0;
        int o6 = count > 6 ? offsets[6] : 0;
        int o7 = count > 7 ? offsets[7] : 0;
        int o8 = count > 8 ? offsets[8] : 0;
        int o9 = count > 9 ? offsets[9] : 0;
        int o10 = count > 10 ? offsets[10] : 0;
        int o11 = count > 11 ? offsets[11] : 0;
        float* t = transposed;
        for (int oy = 0; oy < outHeight; oy++)
        {
            float* x = source + (long)oy * paddedWidth;
            for (int ox = 0; ox < outWidth; ox++, x++, t += Lanes)
            {
                Vector512<float> dy = Vector512.Load(t);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o0]), dy, a0);
                if (count > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o1]), dy, a1);
                if (count > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o2]), dy, a2);
                if (count > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o3]), dy, a3);
                if (count > 4) a4 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o4]), dy, a4);
                if (count > 5) a5 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o5]), dy, a5);
                if (count > 6) a6 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o6]), dy, a6);
                if (count > 7) a7 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o7]), dy, a7);
                if (count > 8) a8 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o8]), dy, a8);
                if (count > 9) a9 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o9]), dy, a9);
                if (count > 10) a10 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o10]), dy, a10);
                if (count > 11) a11 = Vector512.FusedMultiplyAdd(Vector512.Create(x[o11]), dy, a11);
            }
        }
        if (count > 0) a0.Store(gradient + 0 * Lanes);
        if (count > 1) a1.Store(gradient + 1 * Lanes);
        if (count > 2) a2.Store(gradient + 2 * Lanes);
        if (count > 3) a3.Store(gradient + 3 * Lanes);
        if (count > 4) a4.Store(gradient + 4 * Lanes);
        if (count > 5) a5.Store(gradient + 5 * Lanes);
        if (count > 6) a6.Store(gradient + 6 * Lanes);
        if (count > 7) a7.Store(gradient + 7 * Lanes);
        if (count > 8) a8.Store(gradient + 8 * Lanes);
        if (count > 9) a9.Store(gradient + 9 * Lanes);
        if (count > 10) a10.Store(gradient + 10 * Lanes);
        if (count > 11) a11.Store(gradient + 11 * Lanes);
    }

    /// <summary>One segment of <paramref name="width"/> pixels: the JIT compiles one kernel per width, with only its accumulators.</summary>
    private static void Segment(int width, float* origin, int* offsets, float* weights, int depth, Vector512<float> bias, float* tile)
    {
        switch (width)
        {
            case 16: Accumulate<W16>(origin, offsets, weights, depth, bias, tile); break;
            case 15: Accumulate<W15>(origin, offsets, weights, depth, bias, tile); break;
            case 14: Accumulate<W14>(origin, offsets, weights, depth, bias, tile); break;
            case 13: Accumulate<W13>(origin, offsets, weights, depth, bias, tile); break;
            case 12: Accumulate<W12>(origin, offsets, weights, depth, bias, tile); break;
            case 11: Accumulate<W11>(origin, offsets, weights, depth, bias, tile); break;
            case 10: Accumulate<W10>(origin, offsets, weights, depth, bias, tile); break;
            case 9: Accumulate<W9>(origin, offsets, weights, depth, bias, tile); break;
            case 8: Accumulate<W8>(origin, offsets, weights, depth, bias, tile); break;
            case 7: Accumulate<W7>(origin, offsets, weights, depth, bias, tile); break;
            case 6: Accumulate<W6>(origin, offsets, weights, depth, bias, tile); break;
            case 5: Accumulate<W5>(origin, offsets, weights, depth, bias, tile); break;
            case 4: Accumulate<W4>(origin, offsets, weights, depth, bias, tile); break;
            case 3: Accumulate<W3>(origin, offsets, weights, depth, bias, tile); break;
            case 2: Accumulate<W2>(origin, offsets, weights, depth, bias, tile); break;
            default: Accumulate<W1>(origin, offsets, weights, depth, bias, tile); break;
        }
    }

    /// <summary>
    /// TWidth pixels at origin + p, all channels, into rows p of <paramref name="tile"/> (16 floats
    /// each): no calls inside, so that the JIT keeps every accumulator in a register.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TWidth>(float* origin, int* offsets, float* weights, int depth, Vector512<float> bias, float* tile)
        where TWidth : struct, IWidth
    {
        int width = TWidth.Value;
        Vector512<float> a0 = bias, a1 = bias, a2 = bias, a3 = bias, a4 = bias, a5 = bias, a6 = bias, a7 = bias;
        Vector512<float> a8 = bias, a9 = bias, a10 = bias, a11 = bias, a12 = bias, a13 = bias, a14 = bias, a15 = bias;
        for (int k = 0; k < depth; k++)
        {
            float* x = origin + offsets[k];
            Vector512<float> w = Vector512.Load(weights + k * Lanes);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(x[0]), w, a0);
            if (width > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Create(x[1]), w, a1);
            if (width > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Create(x[2]), w, a2);
            if (width > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Create(x[3]), w, a3);
            if (width > 4) a4 = Vector512.FusedMultiplyAdd(Vector512.Create(x[4]), w, a4);
            if (width > 5) a5 = Vector512.FusedMultiplyAdd(Vector512.Create(x[5]), w, a5);
            if (width > 6) a6 = Vector512.FusedMultiplyAdd(Vector512.Create(x[6]), w, a6);
            if (width > 7) a7 = Vector512.FusedMultiplyAdd(Vector512.Create(x[7]), w, a7);
            if (width > 8) a8 = Vector512.FusedMultiplyAdd(Vector512.Create(x[8]), w, a8);
            if (width > 9) a9 = Vector512.FusedMultiplyAdd(Vector512.Create(x[9]), w, a9);
            if (width > 10) a10 = Vector512.FusedMultiplyAdd(Vector512.Create(x[10]), w, a10);
            if (width > 11) a11 = Vector512.FusedMultiplyAdd(Vector512.Create(x[11]), w, a11);
            if (width > 12) a12 = Vector512.FusedMultiplyAdd(Vector512.Create(x[12]), w, a12);
            if (width > 13) a13 = Vector512.FusedMultiplyAdd(Vector512.Create(x[13]), w, a13);
            if (width > 14) a14 = Vector512.FusedMultiplyAdd(Vector512.Create(x[14]), w, a14);
            if (width > 15) a15 = Vector512.FusedMultiplyAdd(Vector512.Create(x[15]), w, a15);
        }
        a0.Store(tile);
        if (width > 1) a1.Store(tile + 1 * Lanes);
        if (width > 2) a2.Store(tile + 2 * Lanes);
        if (width > 3) a3.Store(tile + 3 * Lanes);
        if (width > 4) a4.Store(tile + 4 * Lanes);
        if (width > 5) a5.Store(tile + 5 * Lanes);
        if (width > 6) a6.Store(tile + 6 * Lanes);
        if (width > 7) a7.Store(tile + 7 * Lanes);
        if (width > 8) a8.Store(tile + 8 * Lanes);
        if (width > 9) a9.Store(tile + 9 * Lanes);
        if (width > 10) a10.Store(tile + 10 * Lanes);
        if (width > 11) a11.Store(tile + 11 * Lanes);
        if (width > 12) a12.Store(tile + 12 * Lanes);
        if (width > 13) a13.Store(tile + 13 * Lanes);
        if (width > 14) a14.Store(tile + 14 * Lanes);
        if (width > 15) a15.Store(tile + 15 * Lanes);
    }

    /// <summary>
    /// The tile's first <paramref name="width"/> pixel rows, transposed 16×16 in registers into
    /// channel rows, stored as destination[o·plane + p] for p &lt; width and o &lt; channels (rows
    /// past width hold stale values that the mask drops).
    /// </summary>
    internal static void Store(float* tile, int width, float* destination, int plane, int channels)
    {
        // Pairs of pixels interleaved within each 128-bit lane, then quads: u[4q + j], lane L, holds
        // channel 4L + j of pixels 4q … 4q + 3.
        Vector512<float> t0 = Avx512F.UnpackLow(Load(tile, 0), Load(tile, 1)), t1 = Avx512F.UnpackHigh(Load(tile, 0), Load(tile, 1));
        Vector512<float> t2 = Avx512F.UnpackLow(Load(tile, 2), Load(tile, 3)), t3 = Avx512F.UnpackHigh(Load(tile, 2), Load(tile, 3));
        Vector512<float> t4 = Avx512F.UnpackLow(Load(tile, 4), Load(tile, 5)), t5 = Avx512F.UnpackHigh(Load(tile, 4), Load(tile, 5));
        Vector512<float> t6 = Avx512F.UnpackLow(Load(tile, 6), Load(tile, 7)), t7 = Avx512F.UnpackHigh(Load(tile, 6), Load(tile, 7));
        Vector512<float> t8 = Avx512F.UnpackLow(Load(tile, 8), Load(tile, 9)), t9 = Avx512F.UnpackHigh(Load(tile, 8), Load(tile, 9));
        Vector512<float> t10 = Avx512F.UnpackLow(Load(tile, 10), Load(tile, 11)), t11 = Avx512F.UnpackHigh(Load(tile, 10), Load(tile, 11));
        Vector512<float> t12 = Avx512F.UnpackLow(Load(tile, 12), Load(tile, 13)), t13 = Avx512F.UnpackHigh(Load(tile, 12), Load(tile, 13));
        Vector512<float> t14 = Avx512F.UnpackLow(Load(tile, 14), Load(tile, 15)), t15 = Avx512F.UnpackHigh(Load(tile, 14), Load(tile, 15));

        Vector512<float> u0 = Low(t0, t2), u1 = High(t0, t2), u2 = Low(t1, t3), u3 = High(t1, t3);
        Vector512<float> u4 = Low(t4, t6), u5 = High(t4, t6), u6 = Low(t5, t7), u7 = High(t5, t7);
        Vector512<float> u8 = Low(t8, t10), u9 = High(t8, t10), u10 = Low(t9, t11), u11 = High(t9, t11);
        Vector512<float> u12 = Low(t12, t14), u13 = High(t12, t14), u14 = Low(t13, t15), u15 = High(t13, t15);

        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
        Columns(u0, u4, u8, u12, mask, destination, plane, channels, 0);
        Columns(u1, u5, u9, u13, mask, destination, plane, channels, 1);
        Columns(u2, u6, u10, u14, mask, destination, plane, channels, 2);
        Columns(u3, u7, u11, u15, mask, destination, plane, channels, 3);
    }

    /// <summary>Channels j, 4 + j, 8 + j and 12 + j from the four vectors of pixel quads that hold them, lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d, Vector512<float> mask,
        float* destination, int plane, int channels, int j)
    {
        Vector512<float> even = Avx512F.Shuffle4x128(a, b, 0x88), odd = Avx512F.Shuffle4x128(a, b, 0xDD);
        Vector512<float> evenHigh = Avx512F.Shuffle4x128(c, d, 0x88), oddHigh = Avx512F.Shuffle4x128(c, d, 0xDD);
        if (j < channels) Avx512F.MaskStore(destination + (long)j * plane, mask, Avx512F.Shuffle4x128(even, evenHigh, 0x88));
        if (4 + j < channels) Avx512F.MaskStore(destination + (long)(4 + j) * plane, mask, Avx512F.Shuffle4x128(odd, oddHigh, 0x88));
        if (8 + j < channels) Avx512F.MaskStore(destination + (long)(8 + j) * plane, mask, Avx512F.Shuffle4x128(even, evenHigh, 0xDD));
        if (12 + j < channels) Avx512F.MaskStore(destination + (long)(12 + j) * plane, mask, Avx512F.Shuffle4x128(odd, oddHigh, 0xDD));
    }

    private static Vector512<float> Load(float* tile, int row) => Vector512.Load(tile + row * Lanes);

    private static Vector512<float> Low(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    private static Vector512<float> High(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    internal interface IWidth
    {
        static abstract int Value { get; }
    }

    internal readonly struct W1 : IWidth { public static int Value => 1; }
    internal readonly struct W2 : IWidth { public static int Value => 2; }
    internal readonly struct W3 : IWidth { public static int Value => 3; }
    internal readonly struct W4 : IWidth { public static int Value => 4; }
    internal readonly struct W5 : IWidth { public static int Value => 5; }
    internal readonly struct W6 : IWidth { public static int Value => 6; }
    internal readonly struct W7 : IWidth { public static int Value => 7; }
    internal readonly struct W8 : IWidth { public static int Value => 8; }
    internal readonly struct W9 : IWidth { public static int Value => 9; }
    internal readonly struct W10 : IWidth { public static int Value => 10; }
    internal readonly struct W11 : IWidth { public static int Value => 11; }
    internal readonly struct W12 : IWidth { public static int Value => 12; }
    internal readonly struct W13 : IWidth { public static int Value => 13; }
    internal readonly struct W14 : IWidth { public static int Value => 14; }
    internal readonly struct W15 : IWidth { public static int Value => 15; }
    internal readonly struct W16 : IWidth { public static int Value => 16; }
}

using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The forward pass of a small first-layer convolution computed directly: few input and output
/// channels, stride 1, no dilation, one group (LeNet's 1→6 5×5). There, im2col would copy every
/// pixel 25 times into a GEMM whose tiles hold 6 useful rows of 8 and a depth of only 25.
/// Instead each image is copied once into a zero-padded buffer, and every output row is
/// y[o, oy, ·] = b[o] + Σ_c Σ_kh Σ_kw w[o, c, kh, kw]·xpad[c, oy + kh, · + kw], thirty-two outputs
/// (two 512-bit vectors; sixteen, in two 256-bit vectors, without AVX-512) at a time, with up to four output channels (six on 512-bit vectors) sharing each load of the input, so that
/// six to twelve independent chains of multiply-adds hide most of their latency. The weight gradient
/// goes the same way round: dW[o, c, kh, kw] = Σ_oy Σ_ox dy[o, oy, ox]·xpad[c, oy + kh, ox + kw], one tap
/// at a time, sixteen positions (one 512-bit vector) of two rows of up to four output channels at once
/// against one load of the padded input, over a copy of dy whose rows are padded with zeros to whole steps. The input gradient (which
/// a first layer does not need) stays with im2col (see <see cref="FastConv2dOperator"/>);
/// <see cref="Reference.Conv2dReference"/> is the reference.
/// </summary>
internal static unsafe class DirectConvolution
{
    /// <summary>The largest InChannels·KernelHeight·KernelWidth this path takes.</summary>
    private const int MaxDepth = 32;

    /// <summary>
    /// The most output channels: below a GEMM tile's 8 rows. With more, the GEMM wins
    /// (ConvBenchmarks, batch 64: the MNIST net's 1→32 3×3 takes 249 µs by GEMM and 476 µs here,
    /// LeNet's 1→6 5×5 takes 320 µs by GEMM and 165 µs here).
    /// </summary>
    private const int MaxOutChannels = 7;

    private const int Lanes = 8;

    /// <summary>Outputs of a row that the weight gradient takes together: one 512-bit vector.</summary>
    private const int Step = 2 * Lanes;

    /// <summary>
    /// Outputs of a row that the forward pass computes together: two vectors, of sixteen lanes where
    /// 512-bit vectors are accelerated (LeNet's 28 outputs in one step), else of eight.
    /// </summary>
    private static int ForwardStep => Vector512.IsHardwareAccelerated ? 2 * Vector512<float>.Count : Step;

    /// <summary>Whether a convolution of <paramref name="g"/> runs here.</summary>
    public static bool Applies(in Conv2dGeometry g) =>
        Vector256.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.InChannels * g.KernelHeight * g.KernelWidth <= MaxDepth
        && g.OutChannels <= MaxOutChannels;

    /// <summary>Floats of the padded copy of one image (a buffer per worker).</summary>
    public static int PaddedSize(in Conv2dGeometry g) => g.InChannels * PaddedHeight(g) * PaddedWidth(g);

    // Wide enough for whole forward steps of outputs (the extra columns are zeros whose outputs are
    // dropped), and so for the weight gradient's rows, whose steps divide them.
    private static int PaddedWidth(in Conv2dGeometry g) => (g.OutWidth + ForwardStep - 1) / ForwardStep * ForwardStep + g.KernelWidth - 1;

    private static int PaddedHeight(in Conv2dGeometry g) => g.OutHeight + g.KernelHeight - 1;

    /// <summary>Floats of the copy of one image's output gradient with rows padded to whole steps (a buffer per worker).</summary>
    public static int PaddedGradientSize(in Conv2dGeometry g) => g.OutChannels * g.OutHeight * GradientRowWidth(g);

    private static int GradientRowWidth(in Conv2dGeometry g) => (g.OutWidth + Step - 1) / Step * Step;

    /// <summary>Copies one image into <paramref name="padded"/>, zeros around it.</summary>
    private static void Pad(in Conv2dGeometry g, float* image, float* padded)
    {
        int ph = PaddedHeight(g), pw = PaddedWidth(g);
        new Span<float>(padded, PaddedSize(g)).Clear();
        int rows = Math.Min(g.InHeight, ph - g.PaddingHeight), columns = Math.Min(g.InWidth, pw - g.PaddingWidth);
        for (int c = 0; c < g.InChannels; c++)
            for (int iy = 0; iy < rows; iy++)
                new ReadOnlySpan<float>(image + ((long)c * g.InHeight + iy) * g.InWidth, columns)
                    .CopyTo(new Span<float>(padded + ((long)c * ph + iy + g.PaddingHeight) * pw + g.PaddingWidth, columns));
    }

    /// <summary>Writes the output of one image; <paramref name="bias"/> may be null.</summary>
    public static void Forward(in Conv2dGeometry g, float* image, float* weight, float* bias, float* output, float* padded)
    {
        int ph = PaddedHeight(g), pw = PaddedWidth(g);
        Pad(g, image, padded);

        // Blocks of up to four output channels (six on 512-bit vectors, whose registers hold twelve
        // accumulators), as even as possible (6 → 3 + 3 on 256 bits), so each keeps enough FMA chains busy.
        int most = Vector512.IsHardwareAccelerated ? 6 : 4, blocks = (g.OutChannels + most - 1) / most;
        for (int block = 0; block < blocks; block++)
        {
            (int first, int end) = WorkerPool.Share(g.OutChannels, block, blocks);
            switch (end - first)
            {
                case 6: Block<Six>(g, padded, ph, pw, weight, bias, output, first); break;
                case 5: Block<Five>(g, padded, ph, pw, weight, bias, output, first); break;
                case 4: Block<Four>(g, padded, ph, pw, weight, bias, output, first); break;
                case 3: Block<Three>(g, padded, ph, pw, weight, bias, output, first); break;
                case 2: Block<Two>(g, padded, ph, pw, weight, bias, output, first); break;
                default: Block<One>(g, padded, ph, pw, weight, bias, output, first); break;
            }
        }
    }

    /// <summary>Output channels [first, first + TCount) of one image; the JIT compiles one copy per count, with the unused chains gone.</summary>
    private static void Block<TCount>(in Conv2dGeometry g, float* padded, int ph, int pw, float* weight, float* bias, float* output, int first)
        where TCount : struct, IChannelCount
    {
        int count = TCount.Value, depth = g.InChannels * g.KernelHeight * g.KernelWidth, plane = g.OutHeight * g.OutWidth, step = ForwardStep;
        bool wide = Vector512.IsHardwareAccelerated;
        Debug.Assert(wide || count <= 4, "The 256-bit kernel takes at most four channels.");
        float* tile = stackalloc float[6 * 2 * Vector512<float>.Count];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            for (int ox = 0; ox < g.OutWidth; ox += step)
            {
                if (wide)
                    Accumulate512<TCount>(padded + (long)oy * pw + ox, ph * pw, pw, g.InChannels, g.KernelHeight, g.KernelWidth,
                        weight + (long)first * depth, depth, bias == null ? null : bias + first, tile);
                else
                    Accumulate<TCount>(padded + (long)oy * pw + ox, ph * pw, pw, g.InChannels, g.KernelHeight, g.KernelWidth,
                        weight + (long)first * depth, depth, bias == null ? null : bias + first, tile);
                int valid = Math.Min(step, g.OutWidth - ox);
                for (int i = 0; i < count; i++)
                    new ReadOnlySpan<float>(tile + i * step, valid).CopyTo(new Span<float>(output + (long)(first + i) * plane + (long)oy * g.OutWidth + ox, valid));
            }
        }
    }

    /// <summary>
    /// Sixteen outputs of one row for TCount channels into <paramref name="tile"/> (Step floats per
    /// channel): no calls here, so that the JIT keeps all eight accumulators in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TCount>(float* origin, int channelStride, int rowStride, int inChannels, int kernelHeight, int kernelWidth,
        float* weight, int depth, float* bias, float* tile)
        where TCount : struct, IChannelCount
    {
        int count = TCount.Value;
        float* w0 = weight, w1 = w0 + depth, w2 = w1 + depth, w3 = w2 + depth;
        Vector256<float> a0 = Bias(bias, 0), a1 = count > 1 ? Bias(bias, 1) : default, a2 = count > 2 ? Bias(bias, 2) : default, a3 = count > 3 ? Bias(bias, 3) : default;
        Vector256<float> c0 = a0, c1 = a1, c2 = a2, c3 = a3; // a: outputs 0 … 7, c: 8 … 15
        int tap = 0;
        for (int c = 0; c < inChannels; c++)
        {
            for (int kh = 0; kh < kernelHeight; kh++)
            {
                float* row = origin + (long)c * channelStride + (long)kh * rowStride;
                for (int kw = 0; kw < kernelWidth; kw++, tap++)
                {
                    Vector256<float> x = Vector256.Load(row + kw), z = Vector256.Load(row + kw + Lanes);
                    Vector256<float> v0 = Vector256.Create(w0[tap]);
                    a0 = Vector256.FusedMultiplyAdd(v0, x, a0);
                    c0 = Vector256.FusedMultiplyAdd(v0, z, c0);
                    if (count > 1)
                    {
                        Vector256<float> v1 = Vector256.Create(w1[tap]);
                        a1 = Vector256.FusedMultiplyAdd(v1, x, a1);
                        c1 = Vector256.FusedMultiplyAdd(v1, z, c1);
                    }
                    if (count > 2)
                    {
                        Vector256<float> v2 = Vector256.Create(w2[tap]);
                        a2 = Vector256.FusedMultiplyAdd(v2, x, a2);
                        c2 = Vector256.FusedMultiplyAdd(v2, z, c2);
                    }
                    if (count > 3)
                    {
                        Vector256<float> v3 = Vector256.Create(w3[tap]);
                        a3 = Vector256.FusedMultiplyAdd(v3, x, a3);
                        c3 = Vector256.FusedMultiplyAdd(v3, z, c3);
                    }
                }
            }
        }
        a0.Store(tile);
        c0.Store(tile + Lanes);
        if (count > 1)
        {
            a1.Store(tile + Step);
            c1.Store(tile + Step + Lanes);
        }
        if (count > 2)
        {
            a2.Store(tile + 2 * Step);
            c2.Store(tile + 2 * Step + Lanes);
        }
        if (count > 3)
        {
            a3.Store(tile + 3 * Step);
            c3.Store(tile + 3 * Step + Lanes);
        }
    }

    /// <summary>
    /// As <see cref="Accumulate{TCount}"/> on 512-bit vectors, for up to six channels (twelve
    /// accumulators): thirty-two outputs of one row for TCount channels into <paramref name="tile"/> (32 floats per channel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate512<TCount>(float* origin, int channelStride, int rowStride, int inChannels, int kernelHeight, int kernelWidth,
        float* weight, int depth, float* bias, float* tile)
        where TCount : struct, IChannelCount
    {
        const int lanes = 16, step = 2 * lanes;
        int count = TCount.Value;
        float* w0 = weight, w1 = w0 + depth, w2 = w1 + depth, w3 = w2 + depth, w4 = w3 + depth, w5 = w4 + depth;
        Vector512<float> a0 = Bias512(bias, 0), a1 = count > 1 ? Bias512(bias, 1) : default, a2 = count > 2 ? Bias512(bias, 2) : default, a3 = count > 3 ? Bias512(bias, 3) : default;
        Vector512<float> a4 = count > 4 ? Bias512(bias, 4) : default, a5 = count > 5 ? Bias512(bias, 5) : default;
        Vector512<float> c0 = a0, c1 = a1, c2 = a2, c3 = a3, c4 = a4, c5 = a5; // a: outputs 0 … 15, c: 16 … 31
        int tap = 0;
        for (int c = 0; c < inChannels; c++)
        {
            for (int kh = 0; kh < kernelHeight; kh++)
            {
                float* row = origin + (long)c * channelStride + (long)kh * rowStride;
                for (int kw = 0; kw < kernelWidth; kw++, tap++)
                {
                    Vector512<float> x = Vector512.Load(row + kw), z = Vector512.Load(row + kw + lanes);
                    Vector512<float> v0 = Vector512.Create(w0[tap]);
                    a0 = Vector512.FusedMultiplyAdd(v0, x, a0);
                    c0 = Vector512.FusedMultiplyAdd(v0, z, c0);
                    if (count > 1)
                    {
                        Vector512<float> v1 = Vector512.Create(w1[tap]);
                        a1 = Vector512.FusedMultiplyAdd(v1, x, a1);
                        c1 = Vector512.FusedMultiplyAdd(v1, z, c1);
                    }
                    if (count > 2)
                    {
                        Vector512<float> v2 = Vector512.Create(w2[tap]);
                        a2 = Vector512.FusedMultiplyAdd(v2, x, a2);
                        c2 = Vector512.FusedMultiplyAdd(v2, z, c2);
                    }
                    if (count > 3)
                    {
                        Vector512<float> v3 = Vector512.Create(w3[tap]);
                        a3 = Vector512.FusedMultiplyAdd(v3, x, a3);
                        c3 = Vector512.FusedMultiplyAdd(v3, z, c3);
                    }
                    if (count > 4)
                    {
                        Vector512<float> v4 = Vector512.Create(w4[tap]);
                        a4 = Vector512.FusedMultiplyAdd(v4, x, a4);
                        c4 = Vector512.FusedMultiplyAdd(v4, z, c4);
                    }
                    if (count > 5)
                    {
                        Vector512<float> v5 = Vector512.Create(w5[tap]);
                        a5 = Vector512.FusedMultiplyAdd(v5, x, a5);
                        c5 = Vector512.FusedMultiplyAdd(v5, z, c5);
                    }
                }
            }
        }
        a0.Store(tile);
        c0.Store(tile + lanes);
        if (count > 1)
        {
            a1.Store(tile + step);
            c1.Store(tile + step + lanes);
        }
        if (count > 2)
        {
            a2.Store(tile + 2 * step);
            c2.Store(tile + 2 * step + lanes);
        }
        if (count > 3)
        {
            a3.Store(tile + 3 * step);
            c3.Store(tile + 3 * step + lanes);
        }
        if (count > 4)
        {
            a4.Store(tile + 4 * step);
            c4.Store(tile + 4 * step + lanes);
        }
        if (count > 5)
        {
            a5.Store(tile + 5 * step);
            c5.Store(tile + 5 * step + lanes);
        }
    }

    /// <summary>Whether the weight gradient of a convolution of <paramref name="g"/> runs here: a direct one, on 512-bit vectors.</summary>
    public static bool AppliesToWeightGradient(in Conv2dGeometry g) => Applies(g) && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// The weight and bias gradients of one image, written, or added to what they hold when
    /// <paramref name="accumulate"/>; either may be null (not wanted).
    /// </summary>
    public static void WeightGradient(in Conv2dGeometry g, float* image, float* outputGradient, float* weightGradient, float* biasGradient,
        bool accumulate, float* padded, float* paddedGradient)
    {
        int plane = g.OutHeight * g.OutWidth;
        if (biasGradient != null)
            for (int o = 0; o < g.OutChannels; o++)
            {
                float sum = RowOps.Sum(outputGradient + (long)o * plane, plane);
                biasGradient[o] = accumulate ? biasGradient[o] + sum : sum;
            }
        if (weightGradient == null) return;

        Pad(g, image, padded);
        int gw = GradientRowWidth(g);
        for (int row = 0; row < g.OutChannels * g.OutHeight; row++)
        {
            var target = new Span<float>(paddedGradient + (long)row * gw, gw);
            new ReadOnlySpan<float>(outputGradient + (long)row * g.OutWidth, g.OutWidth).CopyTo(target);
            target[g.OutWidth..].Clear();
        }

        int blocks = (g.OutChannels + 3) / 4;
        for (int block = 0; block < blocks; block++)
        {
            (int first, int end) = WorkerPool.Share(g.OutChannels, block, blocks);
            switch (end - first)
            {
                case 4: GradientBlock<Four>(g, padded, paddedGradient, weightGradient, first, accumulate); break;
                case 3: GradientBlock<Three>(g, padded, paddedGradient, weightGradient, first, accumulate); break;
                case 2: GradientBlock<Two>(g, padded, paddedGradient, weightGradient, first, accumulate); break;
                default: GradientBlock<One>(g, padded, paddedGradient, weightGradient, first, accumulate); break;
            }
        }
    }

    /// <summary>The weight gradient of output channels [first, first + TCount), tap by tap.</summary>
    private static void GradientBlock<TCount>(in Conv2dGeometry g, float* padded, float* paddedGradient, float* weightGradient, int first, bool accumulate)
        where TCount : struct, IChannelCount
    {
        int count = TCount.Value, depth = g.InChannels * g.KernelHeight * g.KernelWidth, ph = PaddedHeight(g), pw = PaddedWidth(g);
        int gw = GradientRowWidth(g), gradientPlane = g.OutHeight * gw;
        float* sums = stackalloc float[4];
        float* dy = paddedGradient + (long)first * gradientPlane;
        int tap = 0;
        for (int c = 0; c < g.InChannels; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++, tap++)
                {
                    GradientTap<TCount>(padded + ((long)c * ph + kh) * pw + kw, pw, dy, gradientPlane, gw, g.OutHeight, sums);
                    for (int i = 0; i < count; i++)
                    {
                        float* dw = weightGradient + (long)(first + i) * depth + tap;
                        *dw = accumulate ? *dw + sums[i] : sums[i];
                    }
                }
    }

    /// <summary>
    /// Σ over every output position of dy[i, ·]·x at that position's tap, for TCount channels into
    /// <paramref name="sums"/>; the rows of dy are whole steps wide, zeros past the output's width.
    /// Two rows at a time, each channel's rows in chains of their own: one 512-bit vector per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientTap<TCount>(float* x, int rowStride, float* dy, int channelStride, int dyRowStride, int rows, float* sums)
        where TCount : struct, IChannelCount
    {
        int count = TCount.Value;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default; // even rows
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default; // odd rows
        int oy = 0;
        for (; oy + 2 <= rows; oy += 2)
        {
            float* row = x + (long)oy * rowStride, next = row + rowStride;
            float* d0 = dy + (long)oy * dyRowStride, d1 = d0 + channelStride, d2 = d1 + channelStride, d3 = d2 + channelStride;
            for (int ox = 0; ox < dyRowStride; ox += Step)
            {
                Vector512<float> u = Vector512.Load(row + ox), z = Vector512.Load(next + ox);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(d0 + ox), u, a0);
                c0 = Vector512.FusedMultiplyAdd(Vector512.Load(d0 + dyRowStride + ox), z, c0);
                if (count > 1)
                {
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(d1 + ox), u, a1);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Load(d1 + dyRowStride + ox), z, c1);
                }
                if (count > 2)
                {
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(d2 + ox), u, a2);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Load(d2 + dyRowStride + ox), z, c2);
                }
                if (count > 3)
                {
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(d3 + ox), u, a3);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Load(d3 + dyRowStride + ox), z, c3);
                }
            }
        }
        if (oy < rows)
        {
            float* row = x + (long)oy * rowStride;
            float* d0 = dy + (long)oy * dyRowStride, d1 = d0 + channelStride, d2 = d1 + channelStride, d3 = d2 + channelStride;
            for (int ox = 0; ox < dyRowStride; ox += Step)
            {
                Vector512<float> u = Vector512.Load(row + ox);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Load(d0 + ox), u, a0);
                if (count > 1) a1 = Vector512.FusedMultiplyAdd(Vector512.Load(d1 + ox), u, a1);
                if (count > 2) a2 = Vector512.FusedMultiplyAdd(Vector512.Load(d2 + ox), u, a2);
                if (count > 3) a3 = Vector512.FusedMultiplyAdd(Vector512.Load(d3 + ox), u, a3);
            }
        }
        sums[0] = Vector512.Sum(a0 + c0);
        if (count > 1) sums[1] = Vector512.Sum(a1 + c1);
        if (count > 2) sums[2] = Vector512.Sum(a2 + c2);
        if (count > 3) sums[3] = Vector512.Sum(a3 + c3);
    }

    private static Vector256<float> Bias(float* bias, int channel) => bias == null ? Vector256<float>.Zero : Vector256.Create(bias[channel]);

    private static Vector512<float> Bias512(float* bias, int channel) => bias == null ? Vector512<float>.Zero : Vector512.Create(bias[channel]);
}

using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A convolution's weight gradient with the output channels as lanes, for stride 1 and one group:
/// dW[o, c, kh, kw] = Σ over images and output pixels p of dy[o, p] · x[c, p + (kh, kw)], without
/// im2col. Each image's dy is turned channel-last once (dyᵀ[p, o]) and its input copied into a
/// zero-padded buffer; then a register block of 48 output channels (three vectors) by eight taps
/// (two kernel rows by four columns) of one input channel stays in registers across the image's
/// pixels: per pixel three dyᵀ loads and eight broadcast inputs feed 24 FMAs. The sums collect in a
/// tap-major dWᵀ[tap, o] that is transposed into dW once per call. Sequential over images and
/// pixels in a fixed order, so the result depends only on the images handed in.
/// </summary>
internal static unsafe class ChannelLanesWeightGradient
{
    /// <summary>Output channels per register block: three vectors of sixteen.</summary>
    public const int BlockChannels = 48;

    private const int TapRows = 2, TapColumns = 4;

    /// <summary>
    /// Whether <paramref name="g"/> fits: AVX-512, one group, stride and dilation 1, output channels a
    /// multiple of <see cref="BlockChannels"/>, kernel height even and kernel width a multiple of four.
    /// </summary>
    public static bool Applies(in Conv2dGeometry g) =>
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.OutChannels % BlockChannels == 0
        && g.KernelHeight % TapRows == 0 && g.KernelWidth % TapColumns == 0;

    /// <summary>Floats of one worker's scratch: dWᵀ, one image's dyᵀ and one padded image.</summary>
    public static long ScratchSize(in Conv2dGeometry g) =>
        (long)g.InChannels * g.KernelHeight * g.KernelWidth * g.OutChannels + (long)g.OutHeight * g.OutWidth * g.OutChannels
        + (long)g.InChannels * (g.InHeight + 2 * g.PaddingHeight) * (g.InWidth + 2 * g.PaddingWidth);

    /// <summary>
    /// dW = the weight gradient over <paramref name="count"/> images (and db = the bias gradient, when
    /// not null), written, not added; <paramref name="scratch"/> holds <see cref="ScratchSize"/> floats.
    /// </summary>
    public static void Run(in Conv2dGeometry g, int count, float* input, float* outputGradient, float* dw, float* db, float* scratch)
    {
        int oc = g.OutChannels, plane = g.OutHeight * g.OutWidth, depth = g.InChannels * g.KernelHeight * g.KernelWidth;
        int hp = g.InHeight + 2 * g.PaddingHeight, wp = g.InWidth + 2 * g.PaddingWidth;
        float* dwt = scratch, dyt = dwt + (long)depth * oc, xpad = dyt + (long)plane * oc;
        new Span<float>(dwt, depth * oc).Clear();
        new Span<float>(xpad, g.InChannels * hp * wp).Clear();
        if (db != null) new Span<float>(db, oc).Clear();
        for (int n = 0; n < count; n++)
        {
            float* x = input + (long)n * g.InputSize, dy = outputGradient + (long)n * g.OutputSize;
            for (int c = 0; c < g.InChannels; c++)
                for (int y = 0; y < g.InHeight; y++)
                    new ReadOnlySpan<float>(x + ((long)c * g.InHeight + y) * g.InWidth, g.InWidth)
                        .CopyTo(new Span<float>(xpad + ((long)c * hp + y + g.PaddingHeight) * wp + g.PaddingWidth, g.InWidth));
            TransposeGradient(dy, oc, plane, dyt);
            if (db != null)
                for (int o = 0; o < oc; o++) db[o] += RowOps.Sum(dy + (long)o * plane, plane);
            for (int ob = 0; ob < oc; ob += BlockChannels)
                for (int c = 0; c < g.InChannels; c++)
                    for (int kh = 0; kh < g.KernelHeight; kh += TapRows)
                        for (int kw = 0; kw < g.KernelWidth; kw += TapColumns)
                            Block(g, dwt + (((long)c * g.KernelHeight + kh) * g.KernelWidth + kw) * oc + ob, dyt + ob,
                                xpad + ((long)c * hp + kh) * wp + kw, wp);
        }

        // dW[o, j] = dWᵀ[j, o]: depth and channels are multiples of 8.
        for (int j = 0; j < depth; j += 8)
            for (int o = 0; o < oc; o += 8)
                Transpose8x8.Run(dwt + (long)j * oc + o, oc, dw + (long)o * depth + j, depth);
    }

    /// <summary>dyᵀ[p, o] = dy[o, p] for one image, eight by eight where both fit.</summary>
    private static void TransposeGradient(float* dy, int oc, int plane, float* dyt)
    {
        int whole = plane / 8 * 8;
        for (int o = 0; o < oc; o += 8)
        {
            for (int p = 0; p < whole; p += 8) Transpose8x8.Run(dy + (long)o * plane + p, plane, dyt + (long)p * oc + o, oc);
            for (int i = o; i < o + 8; i++)
                for (int p = whole; p < plane; p++) dyt[(long)p * oc + i] = dy[(long)i * plane + p];
        }
    }

    /// <summary>
    /// One register block: acc[tap (r, q), 48 channels] += Σ_p dyᵀ[p, 48 channels] · x[p + (r, q)] for
    /// r &lt; 2, q &lt; 4, over every output pixel; <paramref name="x"/> points at the block's first tap
    /// of the padded plane.
    /// </summary>
    private static void Block(in Conv2dGeometry g, float* acc, float* dyt, float* x, int wp)
    {
        long oc = g.OutChannels, rowTaps = (long)g.KernelWidth * oc;
            Vector512<float> a00 = Vector512.Load(acc + 0);
            Vector512<float> a01 = Vector512.Load(acc + 0L * rowTaps + 1L * oc + 0);
            Vector512<float> a02 = Vector512.Load(acc + 0L * rowTaps + 2L * oc + 0);
            Vector512<float> a03 = Vector512.Load(acc + 0L * rowTaps + 3L * oc + 0);
            Vector512<float> a04 = Vector512.Load(acc + 1L * rowTaps + 0L * oc + 0);
            Vector512<float> a05 = Vector512.Load(acc + 1L * rowTaps + 1L * oc + 0);
            Vector512<float> a06 = Vector512.Load(acc + 1L * rowTaps + 2L * oc + 0);
            Vector512<float> a07 = Vector512.Load(acc + 1L * rowTaps + 3L * oc + 0);
            Vector512<float> a10 = Vector512.Load(acc + 16);
            Vector512<float> a11 = Vector512.Load(acc + 0L * rowTaps + 1L * oc + 16);
            Vector512<float> a12 = Vector512.Load(acc + 0L * rowTaps + 2L * oc + 16);
            Vector512<float> a13 = Vector512.Load(acc + 0L * rowTaps + 3L * oc + 16);
            Vector512<float> a14 = Vector512.Load(acc + 1L * rowTaps + 0L * oc + 16);
            Vector512<float> a15 = Vector512.Load(acc + 1L * rowTaps + 1L * oc + 16);
            Vector512<float> a16 = Vector512.Load(acc + 1L * rowTaps + 2L * oc + 16);
            Vector512<float> a17 = Vector512.Load(acc + 1L * rowTaps + 3L * oc + 16);
            Vector512<float> a20 = Vector512.Load(acc + 32);
            Vector512<float> a21 = Vector512.Load(acc + 0L * rowTaps + 1L * oc + 32);
            Vector512<float> a22 = Vector512.Load(acc + 0L * rowTaps + 2L * oc + 32);
            Vector512<float> a23 = Vector512.Load(acc + 0L * rowTaps + 3L * oc + 32);
            Vector512<float> a24 = Vector512.Load(acc + 1L * rowTaps + 0L * oc + 32);
            Vector512<float> a25 = Vector512.Load(acc + 1L * rowTaps + 1L * oc + 32);
            Vector512<float> a26 = Vector512.Load(acc + 1L * rowTaps + 2L * oc + 32);
            Vector512<float> a27 = Vector512.Load(acc + 1L * rowTaps + 3L * oc + 32);
            Vector512<float> b;
            float* d = dyt;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                float* xp = x + (long)oy * wp;
                for (int ox = 0; ox < g.OutWidth; ox++, xp++, d += oc)
                {
                    Vector512<float> d0 = Vector512.Load(d), d1 = Vector512.Load(d + 16), d2 = Vector512.Load(d + 32);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[0]));
                    a00 = Vector512.FusedMultiplyAdd(d0, b, a00); a10 = Vector512.FusedMultiplyAdd(d1, b, a10); a20 = Vector512.FusedMultiplyAdd(d2, b, a20);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[1]));
                    a01 = Vector512.FusedMultiplyAdd(d0, b, a01); a11 = Vector512.FusedMultiplyAdd(d1, b, a11); a21 = Vector512.FusedMultiplyAdd(d2, b, a21);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[2]));
                    a02 = Vector512.FusedMultiplyAdd(d0, b, a02); a12 = Vector512.FusedMultiplyAdd(d1, b, a12); a22 = Vector512.FusedMultiplyAdd(d2, b, a22);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[3]));
                    a03 = Vector512.FusedMultiplyAdd(d0, b, a03); a13 = Vector512.FusedMultiplyAdd(d1, b, a13); a23 = Vector512.FusedMultiplyAdd(d2, b, a23);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[wp]));
                    a04 = Vector512.FusedMultiplyAdd(d0, b, a04); a14 = Vector512.FusedMultiplyAdd(d1, b, a14); a24 = Vector512.FusedMultiplyAdd(d2, b, a24);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[wp + 1]));
                    a05 = Vector512.FusedMultiplyAdd(d0, b, a05); a15 = Vector512.FusedMultiplyAdd(d1, b, a15); a25 = Vector512.FusedMultiplyAdd(d2, b, a25);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[wp + 2]));
                    a06 = Vector512.FusedMultiplyAdd(d0, b, a06); a16 = Vector512.FusedMultiplyAdd(d1, b, a16); a26 = Vector512.FusedMultiplyAdd(d2, b, a26);
                    b = Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(xp[wp + 3]));
                    a07 = Vector512.FusedMultiplyAdd(d0, b, a07); a17 = Vector512.FusedMultiplyAdd(d1, b, a17); a27 = Vector512.FusedMultiplyAdd(d2, b, a27);
                }
            }
            Vector512.Store(a00, acc + 0);
            Vector512.Store(a01, acc + 0L * rowTaps + 1L * oc + 0);
            Vector512.Store(a02, acc + 0L * rowTaps + 2L * oc + 0);
            Vector512.Store(a03, acc + 0L * rowTaps + 3L * oc + 0);
            Vector512.Store(a04, acc + 1L * rowTaps + 0L * oc + 0);
            Vector512.Store(a05, acc + 1L * rowTaps + 1L * oc + 0);
            Vector512.Store(a06, acc + 1L * rowTaps + 2L * oc + 0);
            Vector512.Store(a07, acc + 1L * rowTaps + 3L * oc + 0);
            Vector512.Store(a10, acc + 16);
            Vector512.Store(a11, acc + 0L * rowTaps + 1L * oc + 16);
            Vector512.Store(a12, acc + 0L * rowTaps + 2L * oc + 16);
            Vector512.Store(a13, acc + 0L * rowTaps + 3L * oc + 16);
            Vector512.Store(a14, acc + 1L * rowTaps + 0L * oc + 16);
            Vector512.Store(a15, acc + 1L * rowTaps + 1L * oc + 16);
            Vector512.Store(a16, acc + 1L * rowTaps + 2L * oc + 16);
            Vector512.Store(a17, acc + 1L * rowTaps + 3L * oc + 16);
            Vector512.Store(a20, acc + 32);
            Vector512.Store(a21, acc + 0L * rowTaps + 1L * oc + 32);
            Vector512.Store(a22, acc + 0L * rowTaps + 2L * oc + 32);
            Vector512.Store(a23, acc + 0L * rowTaps + 3L * oc + 32);
            Vector512.Store(a24, acc + 1L * rowTaps + 0L * oc + 32);
            Vector512.Store(a25, acc + 1L * rowTaps + 1L * oc + 32);
            Vector512.Store(a26, acc + 1L * rowTaps + 2L * oc + 32);
            Vector512.Store(a27, acc + 1L * rowTaps + 3L * oc + 32);
    }
}

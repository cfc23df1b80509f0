using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Max pooling with a column stride of 2 (ResNet's 3×3, stride 2, padding 1), 16 outputs at a time:
/// each output row takes the max of its window's rows column by column (whole vectors), into a row
/// padded with −∞ on both sides, and then, for each of the window's columns kx, the even elements of
/// that row from 2·ox + kx on, gathered from two vectors by one permute, so that no output is read
/// one by one. For planes without NaNs (callers check), where max is associative and commutative:
/// the same values as <see cref="PoolPlanes"/>'s separable passes and the reference. An empty window
/// (all padding) gives −∞, as theirs.
/// </summary>
internal static unsafe class MaxPoolStride2
{
    private const int Lanes = 16;

    /// <summary>The widest kernel taken here; wider ones keep the separable passes.</summary>
    public const int MaxKernelWidth = 8;

    /// <summary>Whether pools of these windows run here: AVX-512, column stride 2, kernels up to <see cref="MaxKernelWidth"/> wide.</summary>
    public static bool Applies(PoolPlanes.Windows w) =>
        Avx512F.IsSupported && w.StrideWidth == 2 && w.KernelWidth <= MaxKernelWidth && w.PaddingWidth < w.KernelWidth && w.InWidth <= 4096;

    /// <summary>One plane: <paramref name="outHeight"/> rows of <paramref name="outWidth"/> outputs from <paramref name="x"/> into <paramref name="y"/>.</summary>
    public static void Forward(PoolPlanes.Windows w, int outHeight, int outWidth, float* x, float* y)
    {
        int inWidth = w.InWidth, pad = w.PaddingWidth, kernel = w.KernelWidth;
        int groups = (outWidth + Lanes - 1) / Lanes;
        // Reads reach 2·16·groups + kernel − 2 (the last group's odd half and its last column); the row sits at pad.
        int length = Math.Max(2 * Lanes * groups + kernel + Lanes, pad + inWidth + Lanes);
        float* row = stackalloc float[length];
        float* tail = stackalloc float[Lanes];
        new Span<float>(row, length).Fill(float.NegativeInfinity);
        Vector512<int> even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<float> lowest = Vector512.Create(float.NegativeInfinity);
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy];
            float* target = row + pad;
            int ix = 0;
            for (; ix + Lanes <= inWidth; ix += Lanes)
            {
                Vector512<float> max = lowest;
                for (int iy = y0; iy < y1; iy++) max = Vector512.Max(max, Vector512.Load(x + (long)iy * inWidth + ix));
                max.Store(target + ix);
            }
            for (; ix < inWidth; ix++)
            {
                float max = float.NegativeInfinity;
                for (int iy = y0; iy < y1; iy++) max = MathF.Max(max, x[(long)iy * inWidth + ix]);
                target[ix] = max;
            }

            float* output = y + (long)oy * outWidth;
            for (int g = 0; g < groups; g++)
            {
                float* from = row + 2 * Lanes * g;
                Vector512<float> max = lowest;
                for (int kx = 0; kx < kernel; kx++)
                    max = Vector512.Max(max, Avx512F.PermuteVar16x32x2(Vector512.Load(from + kx), even, Vector512.Load(from + kx + Lanes)));
                int o = g * Lanes;
                if (o + Lanes <= outWidth) max.Store(output + o);
                else
                {
                    max.Store(tail);
                    new ReadOnlySpan<float>(tail, outWidth - o).CopyTo(new Span<float>(output + o, outWidth - o));
                }
            }
        }
    }
}

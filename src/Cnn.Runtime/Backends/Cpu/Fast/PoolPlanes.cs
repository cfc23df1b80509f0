using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Max, average and sum pooling of one plane for any window, stride and padding, with every
/// window's clipped rows, columns and divisor worked out once per layer (<see cref="Windows"/>)
/// rather than per element. The rules are the reference's: a later element wins a max only if
/// strictly greater, sums run in row-major window order and then divide. Planes that hold a NaN are
/// left to the reference, which alone follows PyTorch's NaN rule: callers check with <see cref="HasNaN"/>.
/// </summary>
internal static unsafe class PoolPlanes
{
    /// <summary>Per output row and column: the clipped input range and the extent that the divisor counts.</summary>
    internal sealed class Windows
    {
        public readonly int[] Y0, Y1, X0, X1, Height, Width;

        /// <summary>The output columns [start, end) whose windows the input's edges do not clip (a contiguous run; empty when none).</summary>
        public readonly int FullColumnsStart, FullColumnsEnd;

        /// <summary>Per kernel element, in row-major order: its offset in the input plane from the window's origin.</summary>
        public readonly int[] KernelOffsets;

        /// <summary>The pool's column stride, kernel width, column padding and input width (<see cref="MaxPoolStride2"/> reads them).</summary>
        public readonly int StrideWidth, KernelWidth, PaddingWidth, InWidth;

        public Windows(in Pool2dGeometry g)
        {
            (StrideWidth, KernelWidth, PaddingWidth, InWidth) = (g.StrideWidth, g.KernelWidth, g.PaddingWidth, g.InWidth);
            KernelOffsets = new int[g.KernelHeight * g.KernelWidth];
            for (int k = 0; k < KernelOffsets.Length; k++) KernelOffsets[k] = k / g.KernelWidth * g.InWidth + k % g.KernelWidth;
            (Y0, Y1, Height) = Axis(g.OutHeight, g.StrideHeight, g.PaddingHeight, g.KernelHeight, g.InHeight, g.CountIncludePad);
            (X0, X1, Width) = Axis(g.OutWidth, g.StrideWidth, g.PaddingWidth, g.KernelWidth, g.InWidth, g.CountIncludePad);
            FullColumnsStart = g.OutWidth;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                if (X0[ox] != ox * g.StrideWidth - g.PaddingWidth || X1[ox] - X0[ox] != g.KernelWidth) continue;
                if (FullColumnsStart == g.OutWidth) FullColumnsStart = ox;
                FullColumnsEnd = ox + 1;
            }
            if (FullColumnsEnd == 0) FullColumnsStart = 0;
        }

        // As Pool2dReference.Window: the window runs from o·stride − padding for kernel elements, capped at the padded end;
        // the divisor counts that extent, or without padding only the part inside the input. Both are separable in rows and columns.
        private static (int[], int[], int[]) Axis(int outSize, int stride, int padding, int kernel, int inSize, bool countPadding)
        {
            int[] start = new int[outSize], end = new int[outSize], extent = new int[outSize];
            for (int o = 0; o < outSize; o++)
            {
                int s = o * stride - padding, e = Math.Min(s + kernel, inSize + padding);
                start[o] = Math.Max(s, 0);
                end[o] = Math.Min(e, inSize);
                extent[o] = countPadding ? e - s : end[o] - start[o];
            }
            return (start, end, extent);
        }
    }

    public static bool HasNaN(float* x, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> nan = Vector256<float>.Zero;
            for (; i + 8 <= count; i += 8)
            {
                Vector256<float> v = Vector256.Load(x + i);
                nan |= ~Vector256.Equals(v, v);
            }
            if (nan != Vector256<float>.Zero) return true;
        }
        for (; i < count; i++)
            if (float.IsNaN(x[i])) return true;
        return false;
    }

    /// <summary>The widest input row whose separable max (<see cref="MaxForwardSeparable"/>) fits its scratch rows on the stack.</summary>
    private const int MaxSeparableWidth = 2048;

    public static void MaxForward(Windows w, int inWidth, int outHeight, int outWidth, float* x, float* y)
    {
        if (MaxPoolStride2.Applies(w) && inWidth == w.InWidth)
        {
            MaxPoolStride2.Forward(w, outHeight, outWidth, x, y);
            return;
        }
        if (Vector256.IsHardwareAccelerated && inWidth <= MaxSeparableWidth)
        {
            MaxForwardSeparable(w, inWidth, outHeight, outWidth, x, y);
            return;
        }
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy];
            for (int ox = 0; ox < outWidth; ox++)
            {
                int x0 = w.X0[ox], x1 = w.X1[ox];
                y[oy * outWidth + ox] = WindowMax(x, inWidth, y0, y1, x0, x1);
            }
        }
    }

    /// <summary>
    /// The max of every window taken in two separable passes per output row, since without NaNs
    /// max is associative and commutative: the rows of the window's height, column by column in
    /// vectors (rowMax), then across the window's width, also in vectors for windows that the input's
    /// edges do not clip (slideMax[ix] = max of rowMax[ix .. ix + kernel width)), so that each output
    /// is one read of slideMax at its window's first column; a clipped window takes its columns of
    /// rowMax one by one. An empty window gives −∞, as <see cref="WindowMax"/>.
    /// </summary>
    private static void MaxForwardSeparable(Windows w, int inWidth, int outHeight, int outWidth, float* x, float* y)
    {
        float* rowMax = stackalloc float[inWidth], slideMax = stackalloc float[inWidth];
        int kernelWidth = 0;
        for (int ox = 0; ox < outWidth; ox++) kernelWidth = Math.Max(kernelWidth, w.X1[ox] - w.X0[ox]);
        int slides = kernelWidth == 0 ? 0 : inWidth - kernelWidth + 1;
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy];
            RowsMax(x, inWidth, y0, y1, rowMax);
            SlideMax(rowMax, kernelWidth, slides, slideMax);
            float* row = y + oy * outWidth;
            for (int ox = 0; ox < outWidth; ox++)
            {
                int x0 = w.X0[ox], x1 = w.X1[ox];
                if (x1 - x0 == kernelWidth && kernelWidth > 0)
                {
                    row[ox] = slideMax[x0];
                    continue;
                }
                float max = float.NegativeInfinity;
                for (int ix = x0; ix < x1; ix++) max = MathF.Max(max, rowMax[ix]);
                row[ox] = max;
            }
        }
    }

    /// <summary>rowMax[ix] = max over rows [y0, y1) of x[iy, ix] (−∞ for no rows).</summary>
    private static void RowsMax(float* x, int inWidth, int y0, int y1, float* rowMax)
    {
        int ix = 0;
        for (; ix + 8 <= inWidth; ix += 8)
        {
            Vector256<float> max = Vector256.Create(float.NegativeInfinity);
            for (int iy = y0; iy < y1; iy++) max = Vector256.Max(max, Vector256.Load(x + iy * inWidth + ix));
            max.Store(rowMax + ix);
        }
        for (; ix < inWidth; ix++)
        {
            float max = float.NegativeInfinity;
            for (int iy = y0; iy < y1; iy++) max = MathF.Max(max, x[iy * inWidth + ix]);
            rowMax[ix] = max;
        }
    }

    /// <summary>slideMax[ix] = max of rowMax[ix .. ix + width) for ix in [0, slides).</summary>
    private static void SlideMax(float* rowMax, int width, int slides, float* slideMax)
    {
        int ix = 0;
        for (; ix + 8 <= slides; ix += 8)
        {
            Vector256<float> max = Vector256.Load(rowMax + ix);
            for (int kx = 1; kx < width; kx++) max = Vector256.Max(max, Vector256.Load(rowMax + ix + kx));
            max.Store(slideMax + ix);
        }
        for (; ix < slides; ix++)
        {
            float max = rowMax[ix];
            for (int kx = 1; kx < width; kx++) max = MathF.Max(max, rowMax[ix + kx]);
            slideMax[ix] = max;
        }
    }

    /// <summary>Overwrites dx: each window's gradient goes to its first maximum, whose value <paramref name="y"/> (the forward output) holds.</summary>
    public static void MaxBackward(Windows w, int inHeight, int inWidth, int outHeight, int outWidth, float* x, float* y, float* dy, float* dx)
    {
        new Span<float>(dx, inHeight * inWidth).Clear();
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy];
            for (int ox = 0; ox < outWidth; ox++)
            {
                int x0 = w.X0[ox], x1 = w.X1[ox];
                int best = FirstIndexOf(x, inWidth, y0, y1, x0, x1, y[oy * outWidth + ox]);
                if (best >= 0) dx[best] += dy[oy * outWidth + ox];
            }
        }
    }

    // Branch-free: on random data a compare-and-branch per element mispredicts about every other
    // window. Without NaNs the maximum's value is the same whichever of equal elements gives it.
    private static float WindowMax(float* x, int inWidth, int y0, int y1, int x0, int x1)
    {
        float max = float.NegativeInfinity;
        for (int iy = y0; iy < y1; iy++)
        {
            float* row = x + iy * inWidth;
            for (int ix = x0; ix < x1; ix++) max = MathF.Max(max, row[ix]);
        }
        return max;
    }

    /// <summary>
    /// The first element of the window, in row-major order, equal to <paramref name="value"/>, or -1:
    /// a backward scan with conditional moves, since an early exit mispredicts once per window.
    /// </summary>
    private static int FirstIndexOf(float* x, int inWidth, int y0, int y1, int x0, int x1, float value)
    {
        int best = -1;
        for (int iy = y1 - 1; iy >= y0; iy--)
        {
            int row = iy * inWidth;
            for (int ix = x1 - 1; ix >= x0; ix--)
            {
                int index = row + ix;
                best = x[index] == value ? index : best;
            }
        }
        return best;
    }

    /// <summary>Window sums, divided by the window's extent in the padded input unless <paramref name="sum"/>.</summary>
    public static void AverageForward(Windows w, int inWidth, int outHeight, int outWidth, float* x, float* y, bool sum)
    {
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy];
            for (int ox = 0; ox < outWidth; ox++)
            {
                int x0 = w.X0[ox], x1 = w.X1[ox];
                float total = 0f;
                for (int iy = y0; iy < y1; iy++)
                {
                    float* row = x + iy * inWidth;
                    for (int ix = x0; ix < x1; ix++) total += row[ix];
                }
                y[oy * outWidth + ox] = sum ? total : total / (w.Height[oy] * w.Width[ox]);
            }
        }
    }

    /// <summary>Overwrites dx with each window's share of its gradient.</summary>
    public static void AverageBackward(Windows w, int inHeight, int inWidth, int outHeight, int outWidth, float* dy, float* dx, bool sum)
    {
        new Span<float>(dx, inHeight * inWidth).Clear();
        for (int oy = 0; oy < outHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy];
            for (int ox = 0; ox < outWidth; ox++)
            {
                int x0 = w.X0[ox], x1 = w.X1[ox];
                float gradient = dy[oy * outWidth + ox];
                float share = sum ? gradient : gradient / (w.Height[oy] * w.Width[ox]);
                for (int iy = y0; iy < y1; iy++)
                {
                    float* row = dx + iy * inWidth;
                    for (int ix = x0; ix < x1; ix++) row[ix] += share;
                }
            }
        }
    }
}

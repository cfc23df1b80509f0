using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Max pooling of one plane that saves each window's maximum position as a byte (<see cref="CompactMasks"/>),
/// and its backward pass from those bytes alone: what a training plan runs when it keeps neither the
/// pool's input nor its output. The rules are <see cref="Reference.Pool2dReference"/>'s
/// (ForwardPlaneSavingIndices, BackwardPlaneFromIndices): a later element wins only if strictly greater
/// or NaN, and the first NaN of a window wins. The common 2×2, stride-2, unpadded pool of a plane
/// without NaN runs 16 windows at a time with AVX-512 (<see cref="Forward2x2"/>, <see cref="Backward2x2"/>);
/// other windows (the 3×3, stride-2 pools of AlexNet and ResNet) run their unclipped windows 16 at a
/// time too when the stride along a row is 1 or 2 (<see cref="Forward"/>).
/// </summary>
internal static unsafe class MaxPoolIndices
{

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Even() => Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Odd() => Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> InterleaveLow() => Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> InterleaveHigh() => Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>Whether <see cref="Forward2x2"/> and <see cref="Backward2x2"/> run here.</summary>
    public static bool Has2x2 => Avx512F.IsSupported && Avx512BW.VL.IsSupported;

    /// <summary>
    /// A 2×2, stride-2, unpadded max pool of a plane: each window's maximum and its position (0 top-left,
    /// 1 top-right, 2 bottom-left, 3 bottom-right; a later element wins only if strictly greater), 16
    /// windows of an output row at a time, the row's last ones with masked loads and stores. False if
    /// the plane holds a NaN: then nothing written is to be trusted, and the caller runs <see cref="Forward"/>.
    /// </summary>
    public static bool Forward2x2(float* x, float* y, byte* indices, int inputHeight, int inputWidth)
    {
        int outH = inputHeight / 2, outW = inputWidth / 2;
        Vector512<float> nan = Vector512<float>.Zero;
        for (int oy = 0; oy < outH; oy++)
        {
            float* top = x + 2 * oy * inputWidth, bottom = top + inputWidth, row = y + oy * outW;
            byte* index = indices + oy * outW;
            for (int ox = 0; ox < outW; ox += 16)
                nan |= Forward16(top + 2 * ox, bottom + 2 * ox, row + ox, index + ox, Math.Min(16, outW - ox));
        }
        return nan == Vector512<float>.Zero;
    }

    /// <summary>Overwrites dx of a 2×2, stride-2, unpadded pool's plane: each window's gradient at its position, 0 elsewhere.</summary>
    public static void Backward2x2(byte* indices, float* dy, float* dx, int inputHeight, int inputWidth)
    {
        int outH = inputHeight / 2, outW = inputWidth / 2;
        for (int oy = 0; oy < outH; oy++)
        {
            float* top = dx + 2 * oy * inputWidth, bottom = top + inputWidth, gradient = dy + oy * outW;
            byte* index = indices + oy * outW;
            for (int ox = 0; ox < outW; ox += 16)
                Backward16(index + ox, gradient + ox, top + 2 * ox, bottom + 2 * ox, Math.Min(16, outW - ox));
            // An odd width leaves a last column that no window covers.
            if ((inputWidth & 1) != 0)
            {
                top[inputWidth - 1] = 0f;
                bottom[inputWidth - 1] = 0f;
            }
        }
        // An odd height leaves a last row that no window covers.
        if ((inputHeight & 1) != 0) new Span<float>(dx + (long)(inputHeight - 1) * inputWidth, inputWidth).Clear();
    }

    /// <summary>Lanes [0, count) set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Lanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>Windows [0, count) of 16; returns the lanes that held a NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Forward16(float* top, float* bottom, float* row, byte* index, int count)
    {
        Vector512<float> t0, t1, b0, b1;
        if (count == 16)
        {
            t0 = Vector512.Load(top); t1 = Vector512.Load(top + 16);
            b0 = Vector512.Load(bottom); b1 = Vector512.Load(bottom + 16);
        }
        else
        {
            Vector512<float> low = Lanes(2 * count), high = Lanes(2 * count - 16);
            t0 = Avx512F.MaskLoad(top, low, Vector512<float>.Zero); t1 = Avx512F.MaskLoad(top + 16, high, Vector512<float>.Zero);
            b0 = Avx512F.MaskLoad(bottom, low, Vector512<float>.Zero); b1 = Avx512F.MaskLoad(bottom + 16, high, Vector512<float>.Zero);
        }
        Vector512<float> nan = ~(Vector512.Equals(t0, t0) & Vector512.Equals(t1, t1) & Vector512.Equals(b0, b0) & Vector512.Equals(b1, b1));
        Vector512<float> max = Avx512F.PermuteVar16x32x2(t0, Even(), t1);
        Vector512<int> at = Vector512<int>.Zero;
        Take(ref max, ref at, Avx512F.PermuteVar16x32x2(t0, Odd(), t1), 1);
        Take(ref max, ref at, Avx512F.PermuteVar16x32x2(b0, Even(), b1), 2);
        Take(ref max, ref at, Avx512F.PermuteVar16x32x2(b0, Odd(), b1), 3);
        Vector128<byte> bytes = Avx512F.ConvertToVector128Byte(at);
        if (count == 16)
        {
            max.Store(row);
            bytes.Store(index);
        }
        else
        {
            Avx512F.MaskStore(row, Lanes(count), max);
            Avx512BW.VL.MaskStore(index, Vector128.LessThan(Vector128<byte>.Indices, Vector128.Create((byte)count)), bytes);
        }
        return nan;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Backward16(byte* index, float* gradient, float* top, float* bottom, int count)
    {
        Vector512<float> g;
        Vector128<byte> bytes;
        if (count == 16)
        {
            g = Vector512.Load(gradient);
            bytes = Vector128.Load(index);
        }
        else
        {
            g = Avx512F.MaskLoad(gradient, Lanes(count), Vector512<float>.Zero);
            bytes = Avx512BW.VL.MaskLoad(index, Vector128.LessThan(Vector128<byte>.Indices, Vector128.Create((byte)count)), Vector128<byte>.Zero);
        }
        Vector512<int> at = Avx512F.ConvertToVector512Int32(bytes);
        Vector512<float> e0 = Only(g, at, 0), e1 = Only(g, at, 1), e2 = Only(g, at, 2), e3 = Only(g, at, 3);
        Vector512<float> top0 = Avx512F.PermuteVar16x32x2(e0, InterleaveLow(), e1), top1 = Avx512F.PermuteVar16x32x2(e0, InterleaveHigh(), e1);
        Vector512<float> bottom0 = Avx512F.PermuteVar16x32x2(e2, InterleaveLow(), e3), bottom1 = Avx512F.PermuteVar16x32x2(e2, InterleaveHigh(), e3);
        if (count == 16)
        {
            top0.Store(top); top1.Store(top + 16);
            bottom0.Store(bottom); bottom1.Store(bottom + 16);
            return;
        }
        Vector512<float> low = Lanes(2 * count), high = Lanes(2 * count - 16);
        Avx512F.MaskStore(top, low, top0); Avx512F.MaskStore(top + 16, high, top1);
        Avx512F.MaskStore(bottom, low, bottom0); Avx512F.MaskStore(bottom + 16, high, bottom1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(ref Vector512<float> max, ref Vector512<int> at, Vector512<float> candidate, int position)
    {
        Vector512<float> greater = Vector512.GreaterThan(candidate, max);
        max = Vector512.ConditionalSelect(greater, candidate, max);
        at = Vector512.ConditionalSelect(greater.AsInt32(), Vector512.Create(position), at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Only(Vector512<float> gradient, Vector512<int> at, int position)
        => Vector512.ConditionalSelect(Vector512.Equals(at, Vector512.Create(position)).AsSingle(), gradient, Vector512<float>.Zero);

    /// <summary>
    /// Any max pool of a plane, with each window's maximum position as a byte (its row-major place in
    /// the kernel). Windows that the input's edges do not clip run 16 at a time with AVX-512 when the
    /// stride along the row is 1 or 2 (<see cref="ForwardRowVectorized"/>); the rest, and whole planes
    /// that hold a NaN, run one window at a time (<see cref="ForwardWindow"/>).
    /// </summary>
    public static void Forward(PoolPlanes.Windows w, in Pool2dGeometry g, float* x, float* y, byte* indices)
    {
        bool vectorized = Has2x2 && g.StrideWidth is 1 or 2 && w.FullColumnsStart < w.FullColumnsEnd;
        if (vectorized && ForwardVectorized(w, g, x, y, indices)) return;
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++) ForwardWindow(w, g, x, y, indices, oy, ox);
    }

    /// <summary>False if a window read held a NaN: then nothing written is to be trusted.</summary>
    private static bool ForwardVectorized(PoolPlanes.Windows w, in Pool2dGeometry g, float* x, float* y, byte* indices)
    {
        Vector512<float> nan = Vector512<float>.Zero;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            if (w.Y0[oy] >= w.Y1[oy])
            {
                for (int ox = 0; ox < g.OutWidth; ox++) ForwardWindow(w, g, x, y, indices, oy, ox);
                continue;
            }
            for (int ox = 0; ox < w.FullColumnsStart; ox++) ForwardWindow(w, g, x, y, indices, oy, ox);
            for (int ox = w.FullColumnsStart; ox < w.FullColumnsEnd; ox += 16)
                nan |= ForwardRowVectorized(w, g, x, y, indices, oy, ox, Math.Min(16, w.FullColumnsEnd - ox));
            for (int ox = w.FullColumnsEnd; ox < g.OutWidth; ox++) ForwardWindow(w, g, x, y, indices, oy, ox);
        }
        return nan == Vector512<float>.Zero;
    }

    /// <summary>
    /// Windows [ox, ox + count) of output row oy, none clipped by the row's ends: for each element of
    /// the kernel in row-major order, the 16 windows' elements in one vector (stride 1: one load;
    /// stride 2: the even or odd lanes of two), a later one taking a window only if strictly greater.
    /// Returns the lanes that read a NaN. Rows whose whole vectors stay inside the plane load them
    /// unmasked, whatever the count: masked loads that miss the cache ran the ResNet stem's pool
    /// (64×112×112, batch 32) about four times slower than the memory allows. The extra lanes read
    /// only other elements of the plane, and every result and NaN check keeps to lanes [0, count).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ForwardRowVectorized(PoolPlanes.Windows w, in Pool2dGeometry g, float* x, float* y, byte* indices, int oy, int ox, int count)
    {
        int kernelWidth = g.KernelWidth, originY = oy * g.StrideHeight - g.PaddingHeight;
        int firstColumn = ox * g.StrideWidth - g.PaddingWidth;
        // Stride 2 reads the pair of vectors holding elements 2·lane + (kx & 1): masked to the last one needed,
        // since the row (or the plane) may end right after it.
        Vector512<float> lanes = Lanes(count);
        Vector512<float> lowEven = Lanes(2 * count - 1), highEven = Lanes(2 * count - 17), lowOdd = Lanes(2 * count), highOdd = Lanes(2 * count - 16);
        Vector512<float> max = Vector512<float>.Zero, nan = Vector512<float>.Zero;
        Vector512<int> at = Vector512<int>.Zero;
        bool first = true;
        // The floats past a row's first column that whole vectors for every kx read.
        int reach = g.StrideWidth == 1 ? kernelWidth - 1 + 16 : ((kernelWidth - 1) & ~1) + 32;
        long plane = (long)g.InHeight * g.InWidth;
        for (int iy = w.Y0[oy]; iy < w.Y1[oy]; iy++)
        {
            long rowStart = (long)iy * g.InWidth + firstColumn;
            float* row = x + rowStart;
            bool whole = rowStart + reach <= plane;
            int position = (iy - originY) * kernelWidth;
            for (int kx = 0; kx < kernelWidth; kx++)
            {
                Vector512<float> candidate;
                if (g.StrideWidth == 1)
                {
                    candidate = whole ? Vector512.Load(row + kx) : Avx512F.MaskLoad(row + kx, lanes, Vector512<float>.Zero);
                }
                else
                {
                    float* pair = row + (kx & ~1);
                    bool odd = (kx & 1) != 0;
                    Vector512<float> a, b;
                    if (whole)
                    {
                        a = Vector512.Load(pair);
                        b = Vector512.Load(pair + 16);
                    }
                    else
                    {
                        a = Avx512F.MaskLoad(pair, odd ? lowOdd : lowEven, Vector512<float>.Zero);
                        b = Avx512F.MaskLoad(pair + 16, odd ? highOdd : highEven, Vector512<float>.Zero);
                    }
                    candidate = Avx512F.PermuteVar16x32x2(a, odd ? Odd() : Even(), b);
                }
                nan |= ~Vector512.Equals(candidate, candidate);
                if (first)
                {
                    max = candidate;
                    at = Vector512.Create(position + kx);
                    first = false;
                }
                else
                {
                    Take(ref max, ref at, candidate, position + kx);
                }
            }
        }
        int start = oy * g.OutWidth + ox;
        Avx512F.MaskStore(y + start, lanes, max);
        Avx512BW.VL.MaskStore(indices + start, Vector128.LessThan(Vector128<byte>.Indices, Vector128.Create((byte)count)), Avx512F.ConvertToVector128Byte(at));
        return nan & lanes;
    }

    /// <summary>One window by the reference's rule: a later element wins only if strictly greater, and the first NaN wins.</summary>
    private static void ForwardWindow(PoolPlanes.Windows w, in Pool2dGeometry g, float* x, float* y, byte* indices, int oy, int ox)
    {
        int y0 = w.Y0[oy], y1 = w.Y1[oy], originY = oy * g.StrideHeight - g.PaddingHeight;
        int x0 = w.X0[ox], x1 = w.X1[ox], originX = ox * g.StrideWidth - g.PaddingWidth;
        int best = -1;
        float max = float.NegativeInfinity;
        for (int iy = y0; iy < y1 && !float.IsNaN(max); iy++)
        {
            float* row = x + iy * g.InWidth;
            for (int ix = x0; ix < x1; ix++)
            {
                float v = row[ix];
                if (best >= 0 && !(v > max) && !float.IsNaN(v)) continue;
                max = v;
                best = (iy - originY) * g.KernelWidth + ix - originX;
                if (float.IsNaN(v)) break;
            }
        }
        int at = oy * g.OutWidth + ox;
        y[at] = max;
        indices[at] = best < 0 ? CompactMasks.NoMaximum : (byte)best;
    }

    /// <summary>Overwrites dx of the plane: each window's gradient goes to the input element its byte names.</summary>
    public static void Backward(PoolPlanes.Windows w, in Pool2dGeometry g, byte* indices, float* dy, float* dx)
    {
        new Span<float>(dx, g.InHeight * g.InWidth).Clear();
        int inWidth = g.InWidth;
        fixed (int* offsets = w.KernelOffsets)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                // The window's origin may lie in the padding; its maximum never does.
                float* origin = dx + (oy * g.StrideHeight - g.PaddingHeight) * inWidth - g.PaddingWidth;
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int at = oy * g.OutWidth + ox;
                    byte index = indices[at];
                    if (index == CompactMasks.NoMaximum) continue;
                    origin[ox * g.StrideWidth + offsets[index]] += dy[at];
                }
            }
        }
    }
}

using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The 2×2, stride-2, unpadded pools of one plane with AVX2, eight windows of an output row at a
/// time: 16 floats of the top input row and 16 of the bottom one.
/// <para>Max: branch-free (scalar code mispredicts on every window of random data). Values are kept
/// "pair-duplicated": after max(v, swap(v)), both floats of a column pair hold that pair's maximum,
/// so the backward pass can pick the first maximum of each window with lane masks and write every
/// input gradient without a scatter. The few inputs with a NaN are left to the scalar path, which
/// alone follows PyTorch's NaN rule.</para>
/// <para>Average and sum: each window's sum in the reference's order, ((top-left + top-right) +
/// bottom-left) + bottom-right, then divided by 4 (exactly a multiplication by 0.25); backward
/// spreads each gradient (a quarter of it for the average) over its window.</para>
/// </summary>
internal static unsafe class Pool2x2
{
    public static bool IsSupported => Avx2.IsSupported;

    private static readonly Vector256<int> Compact = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
    private static readonly Vector256<int> DuplicateLow = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
    private static readonly Vector256<int> DuplicateHigh = Vector256.Create(4, 4, 5, 5, 6, 6, 7, 7);
    private static readonly Vector256<float> OddLanes = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).AsSingle();

    /// <summary>Max-pools a plane of inputHeight×inputWidth into (inputHeight/2)×(inputWidth/2); false if it holds a NaN (nothing trustworthy was written).</summary>
    public static bool MaxForward(float* x, float* y, int inputHeight, int inputWidth)
    {
        int outH = inputHeight / 2, outW = inputWidth / 2;
        Vector256<float> nan = Vector256<float>.Zero;
        for (int oy = 0; oy < outH; oy++)
        {
            float* top = x + 2 * oy * inputWidth, bottom = top + inputWidth, row = y + oy * outW;
            for (int ox = 0; ox < outW; ox += 8)
            {
                int count = Math.Min(8, outW - ox);
                Load(top + 2 * ox, count, out Vector256<float> t0, out Vector256<float> t1);
                Load(bottom + 2 * ox, count, out Vector256<float> b0, out Vector256<float> b1);
                nan |= Vector256.Equals(t0, t0) & Vector256.Equals(t1, t1) & Vector256.Equals(b0, b0) & Vector256.Equals(b1, b1) ^ Vector256<float>.AllBitsSet;
                Vector256<float> m0 = PairMax(Avx.Max(t0, b0)), m1 = PairMax(Avx.Max(t1, b1));
                // Even lanes of m0 then m1 are the eight window maxima.
                Vector256<float> result = Avx.Blend(Avx2.PermuteVar8x32(m0, Compact), Avx2.PermuteVar8x32(m1, Compact), 0xF0);
                if (count == 8) result.Store(row + ox);
                else Avx.MaskStore(row + ox, Mask(count), result);
            }
        }
        return nan == Vector256<float>.Zero;
    }

    /// <summary>Writes every input gradient of the plane (0 off each window's first maximum); false if the plane holds a NaN.</summary>
    public static bool MaxBackward(float* x, float* dy, float* dx, int inputHeight, int inputWidth)
    {
        int outH = inputHeight / 2, outW = inputWidth / 2;
        Vector256<float> nan = Vector256<float>.Zero;
        for (int oy = 0; oy < outH; oy++)
        {
            float* top = x + 2 * oy * inputWidth, bottom = top + inputWidth;
            float* dTop = dx + 2 * oy * inputWidth, dBottom = dTop + inputWidth, gradient = dy + oy * outW;
            for (int ox = 0; ox < outW; ox += 8)
            {
                int count = Math.Min(8, outW - ox);
                Load(top + 2 * ox, count, out Vector256<float> t0, out Vector256<float> t1);
                Load(bottom + 2 * ox, count, out Vector256<float> b0, out Vector256<float> b1);
                nan |= Vector256.Equals(t0, t0) & Vector256.Equals(t1, t1) & Vector256.Equals(b0, b0) & Vector256.Equals(b1, b1) ^ Vector256<float>.AllBitsSet;
                Vector256<float> g = count == 8 ? Vector256.Load(gradient + ox) : Avx.MaskLoad(gradient + ox, Mask(count));
                Vector256<float> g0 = Avx2.PermuteVar8x32(g, DuplicateLow), g1 = Avx2.PermuteVar8x32(g, DuplicateHigh);
                Route(t0, b0, g0, out Vector256<float> dt0, out Vector256<float> db0);
                Route(t1, b1, g1, out Vector256<float> dt1, out Vector256<float> db1);
                Store(dTop + 2 * ox, count, dt0, dt1);
                Store(dBottom + 2 * ox, count, db0, db1);
            }
        }

        ClearUnpooledEdges(dx, inputHeight, inputWidth);
        return nan == Vector256<float>.Zero;
    }

    /// <summary>Average-pools (or, with <paramref name="sum"/>, sum-pools) a plane of inputHeight×inputWidth into (inputHeight/2)×(inputWidth/2).</summary>
    public static void AverageForward(float* x, float* y, int inputHeight, int inputWidth, bool sum)
    {
        int outH = inputHeight / 2, outW = inputWidth / 2;
        Vector256<float> scale = Vector256.Create(sum ? 1f : 0.25f);
        for (int oy = 0; oy < outH; oy++)
        {
            float* top = x + 2 * oy * inputWidth, bottom = top + inputWidth, row = y + oy * outW;
            int ox = 0;
            for (; ox + 8 <= outW; ox += 8)
            {
                Load(top + 2 * ox, 8, out Vector256<float> t0, out Vector256<float> t1);
                Load(bottom + 2 * ox, 8, out Vector256<float> b0, out Vector256<float> b1);
                // Per 128-bit lane, windows 0,1 of t0/b0, then 0,1 of t1/b1: the same order for all three.
                Vector256<float> topPairs = Avx.HorizontalAdd(t0, t1);
                Vector256<float> bottomLeft = Avx.Shuffle(b0, b1, 0b10_00_10_00), bottomRight = Avx.Shuffle(b0, b1, 0b11_01_11_01);
                Vector256<float> total = (topPairs + bottomLeft + bottomRight) * scale;
                // Windows come out as 0 1 4 5 2 3 6 7 in 64-bit pairs: swap the middle pairs.
                Avx2.Permute4x64(total.AsDouble(), 0b11_01_10_00).AsSingle().Store(row + ox);
            }
            // The last windows one by one: masked moves cost more than they save on short rows.
            for (; ox < outW; ox++)
                row[ox] = (top[2 * ox] + top[2 * ox + 1] + bottom[2 * ox] + bottom[2 * ox + 1]) * scale.ToScalar();
        }
    }

    /// <summary>Writes every input gradient of the plane: each window's gradient (a quarter of it unless <paramref name="sum"/>) on its four inputs.</summary>
    public static void AverageBackward(float* dy, float* dx, int inputHeight, int inputWidth, bool sum)
    {
        int outH = inputHeight / 2, outW = inputWidth / 2;
        Vector256<float> scale = Vector256.Create(sum ? 1f : 0.25f);
        for (int oy = 0; oy < outH; oy++)
        {
            float* dTop = dx + 2 * oy * inputWidth, dBottom = dTop + inputWidth, gradient = dy + oy * outW;
            int ox = 0;
            for (; ox + 8 <= outW; ox += 8)
            {
                Vector256<float> g = Vector256.Load(gradient + ox) * scale;
                Vector256<float> g0 = Avx2.PermuteVar8x32(g, DuplicateLow), g1 = Avx2.PermuteVar8x32(g, DuplicateHigh);
                Store(dTop + 2 * ox, 8, g0, g1);
                Store(dBottom + 2 * ox, 8, g0, g1);
            }
            for (; ox < outW; ox++)
            {
                float g = gradient[ox] * scale.ToScalar();
                dTop[2 * ox] = dTop[2 * ox + 1] = dBottom[2 * ox] = dBottom[2 * ox + 1] = g;
            }
        }
        ClearUnpooledEdges(dx, inputHeight, inputWidth);
    }

    /// <summary>An odd last row or column belongs to no window: its gradient is 0.</summary>
    private static void ClearUnpooledEdges(float* dx, int inputHeight, int inputWidth)
    {
        if (inputHeight % 2 != 0) new Span<float>(dx + (inputHeight - 1) * inputWidth, inputWidth).Clear();
        if (inputWidth % 2 != 0)
            for (int iy = 0; iy < inputHeight / 2 * 2; iy++) dx[iy * inputWidth + inputWidth - 1] = 0f;
    }

    // Window order is top-even, top-odd, bottom-even, bottom-odd; the gradient goes to the first that equals the maximum.
    private static void Route(Vector256<float> top, Vector256<float> bottom, Vector256<float> gradient, out Vector256<float> dTop, out Vector256<float> dBottom)
    {
        Vector256<float> max = PairMax(Avx.Max(top, bottom));
        Vector256<float> eqTop = Vector256.Equals(top, max), eqBottom = Vector256.Equals(bottom, max);
        Vector256<float> firstTop = eqTop & ~(OddLanes & Swap(eqTop));
        Vector256<float> firstBottom = eqBottom & ~(eqTop | Swap(eqTop)) & ~(OddLanes & Swap(eqBottom));
        dTop = firstTop & gradient;
        dBottom = firstBottom & gradient;
    }

    private static Vector256<float> Swap(Vector256<float> v) => Avx.Permute(v, 0b10_11_00_01);

    private static Vector256<float> PairMax(Vector256<float> v) => Avx.Max(v, Swap(v));

    private static void Load(float* source, int windows, out Vector256<float> low, out Vector256<float> high)
    {
        if (windows == 8)
        {
            low = Vector256.Load(source);
            high = Vector256.Load(source + 8);
            return;
        }
        low = Avx.MaskLoad(source, Mask(2 * windows));
        high = windows > 4 ? Avx.MaskLoad(source + 8, Mask(2 * windows - 8)) : Vector256<float>.Zero;
    }

    private static void Store(float* target, int windows, Vector256<float> low, Vector256<float> high)
    {
        if (windows == 8)
        {
            low.Store(target);
            high.Store(target + 8);
            return;
        }
        Avx.MaskStore(target, Mask(2 * windows), low);
        if (windows > 4) Avx.MaskStore(target + 8, Mask(2 * windows - 8), high);
    }

    /// <summary>The first <paramref name="count"/> lanes set (count clamped to 8).</summary>
    private static Vector256<float> Mask(int count) =>
        Vector256.GreaterThan(Vector256.Create(Math.Min(count, 8)), Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7)).AsSingle();
}

using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// GEMM with bf16 operands and fp32 accumulation, C (+)= op(A)·op(B), the BLIS loops of
/// <see cref="Sgemm"/> around <see cref="Bf16Kernel"/>: packing rounds A and B to bf16 (nearest
/// even) into k-pair panels, one 32-bit word per row (column) per two k steps, an odd depth padded
/// with a zero. Depth blocks are even, so every block but the last holds whole pairs. C is fp32
/// throughout. <see cref="Sgemm"/> hands its work here when its workspace was built for
/// <see cref="GemmKernel.Bf16"/>, so callers see the same entry points.
/// </summary>
internal static unsafe class Bf16Gemm
{
    /// <summary>The depth of each block: <see cref="Sgemm.DepthBlock"/>, rounded up to a whole pair.</summary>
    public static int DepthBlock(int k) => RoundUp(Sgemm.DepthBlock(k), 2);

    /// <summary>32-bit words (counted as floats) that <see cref="PackA"/> writes for an m×k op(A).</summary>
    public static int PackedASize(int m, int k) => RoundUp(m, Bf16Kernel.Default.Mr) * ((k + 1) / 2);

    /// <summary>Packs all of op(A), depth block by depth block (see <see cref="Sgemm.PackA"/>).</summary>
    public static void PackA(int m, int k, float* a, int lda, bool transA, float* packed)
    {
        int mr = Bf16Kernel.Default.Mr, block = DepthBlock(k), mPadded = RoundUp(m, mr);
        for (int pc = 0; pc < k; pc += block)
        {
            int kc = Math.Min(block, k - pc);
            float* source = transA ? a + (long)pc * lda : a + pc;
            PackAPanels(mr, source, lda, transA, kc, m, (uint*)packed + (long)pc / 2 * mPadded);
        }
    }

    /// <summary>See <see cref="Sgemm.Multiply"/>; <paramref name="packedA"/>, when not null, replaces a, lda and transA.</summary>
    public static void Run(GemmWorkspace ws, int m, int n, int k,
        float* a, int lda, bool transA, float* packedA, float* b, int ldb, bool transB, float* c, int ldc, bool accumulate)
    {
        Bf16Kernel kernel = Bf16Kernel.Default;
        int mr = kernel.Mr, nr = kernel.Nr, block = DepthBlock(k), pairs = block / 2, mPadded = RoundUp(m, mr);
        int ncMax = ws.PackBCapacity / pairs / nr * nr;
        int mcMax = packedA != null ? ws.Mc : ws.PackACapacity / pairs / mr * mr;
        if (ncMax < nr || mcMax < mr)
            throw new InvalidOperationException($"A GEMM workspace sized for smaller problems was handed a {m}x{n}x{k} one.");

        uint* packB = (uint*)ws.PackB;
        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += block)
            {
                int kc = Math.Min(block, k - pc), kPairs = (kc + 1) / 2;
                bool add = accumulate || pc > 0;
                if (transB) PackBTransposed(nr, b + (long)jc * ldb + pc, ldb, kc, nc, packB);
                else PackBRows(nr, b + (long)pc * ldb + jc, ldb, kc, nc, packB);
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    uint* aBlock;
                    if (packedA != null)
                    {
                        aBlock = (uint*)packedA + (long)pc / 2 * mPadded + (long)ic * kPairs;
                    }
                    else
                    {
                        float* source = transA ? a + (long)pc * lda + ic : a + (long)ic * lda + pc;
                        PackAPanels(mr, source, lda, transA, kc, mc, (uint*)ws.PackA);
                        aBlock = (uint*)ws.PackA;
                    }
                    MacroKernel(kernel, ws.Tile, aBlock, packB, mc, nc, kPairs, c + (long)ic * ldc + jc, ldc, add);
                }
            }
        }
    }

    private static void MacroKernel(Bf16Kernel kernel, float* tile, uint* aBlock, uint* bBlock, int mc, int nc, int kPairs, float* c, int ldc, bool accumulate)
    {
        int mr = kernel.Mr, nr = kernel.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nValid = Math.Min(nr, nc - jr);
            uint* bPanel = bBlock + (long)jr * kPairs;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int mValid = Math.Min(mr, mc - ir);
                uint* aPanel = aBlock + (long)ir * kPairs;
                float* cTile = c + (long)ir * ldc + jr;
                if (mValid == mr && nValid == nr)
                {
                    kernel.Run(kPairs, aPanel, bPanel, cTile, ldc, accumulate);
                    continue;
                }

                // A ragged tile: compute all of it aside, keep the part inside C.
                kernel.Run(kPairs, aPanel, bPanel, tile, nr, accumulate: false);
                for (int i = 0; i < mValid; i++)
                {
                    float* row = cTile + (long)i * ldc, part = tile + i * nr;
                    if (accumulate) for (int j = 0; j < nValid; j++) row[j] = part[j] + row[j];
                    else for (int j = 0; j < nValid; j++) row[j] = part[j];
                }
            }
        }
    }

    // Panel r holds, for each pair p, the MR words (A[i, 2p], A[i, 2p+1]); rows past mc and a k past kc are zero.
    private static void PackAPanels(int mr, float* a, int lda, bool transA, int kc, int mc, uint* packed)
    {
        int kPairs = (kc + 1) / 2;
        for (int r = 0; r < mc; r += mr)
        {
            uint* panel = packed + (long)r * kPairs;
            int rows = Math.Min(mr, mc - r);
            for (int i = 0; i < rows; i++)
            {
                if (transA)
                {
                    float* src = a + r + i;
                    for (int p = 0; p < kc / 2; p++) panel[p * mr + i] = BFloat16.Pair(src[2L * p * lda], src[(2L * p + 1) * lda]);
                    if (kc % 2 != 0) panel[kc / 2 * mr + i] = BFloat16.Pair(src[(long)(kc - 1) * lda], 0f);
                }
                else
                {
                    PackPairsStrided(a + (long)(r + i) * lda, kc, panel + i, mr);
                }
            }
            for (int i = rows; i < mr; i++)
                for (int p = 0; p < kPairs; p++) panel[p * mr + i] = 0;
        }
    }

    // B̃ panel q holds, for each pair p, the NR words (B[2p, j], B[2p+1, j]); columns past nc and a k past kc are zero.
    private static void PackBRows(int nr, float* b, int ldb, int kc, int nc, uint* packed)
    {
        int kPairs = (kc + 1) / 2;
        for (int q = 0; q < nc; q += nr)
        {
            uint* panel = packed + (long)q * kPairs;
            int cols = Math.Min(nr, nc - q);
            for (int p = 0; p < kPairs; p++)
            {
                float* low = b + 2L * p * ldb + q;
                float* high = 2 * p + 1 < kc ? low + ldb : null;
                uint* dst = panel + p * nr;
                int j = 0;
                for (; j + 16 <= cols; j += 16)
                {
                    Vector512<float> highValues = high != null ? Vector512.Load(high + j) : Vector512<float>.Zero;
                    Vector512.Store(BFloat16.Pair(Vector512.Load(low + j), highValues), dst + j);
                }
                for (; j < cols; j++) dst[j] = BFloat16.Pair(low[j], high != null ? high[j] : 0f);
                for (; j < nr; j++) dst[j] = 0;
            }
        }
    }

    private static void PackBTransposed(int nr, float* b, int ldb, int kc, int nc, uint* packed)
    {
        float* block = stackalloc float[16 * 16];
        int kPairs = (kc + 1) / 2;
        for (int q = 0; q < nc; q += nr)
        {
            uint* panel = packed + (long)q * kPairs;
            int cols = Math.Min(nr, nc - q);
            int j = 0;
            for (; j + 16 <= cols; j += 16)
            {
                // Sixteen columns by sixteen depths at a time: four 8×8 transposes make sixteen rows of
                // B[p, j..j+16], and each two rows one vector of packed words.
                int p = 0;
                for (; p + 16 <= kc; p += 16)
                {
                    for (int jj = 0; jj < 16; jj += 8)
                        for (int pp = 0; pp < 16; pp += 8)
                            Transpose8x8.Run(b + (long)(q + j + jj) * ldb + p + pp, ldb, block + pp * 16 + jj, 16);
                    for (int pair = 0; pair < 8; pair++)
                        Vector512.Store(BFloat16.Pair(Vector512.Load(block + 2 * pair * 16), Vector512.Load(block + (2 * pair + 1) * 16)), panel + (p / 2 + pair) * nr + j);
                }
                for (int jj = j; jj < j + 16; jj++) PackPairsStrided(b + (long)(q + jj) * ldb + p, kc - p, panel + p / 2 * nr + jj, nr);
            }
            for (; j < cols; j++) PackPairsStrided(b + (long)(q + j) * ldb, kc, panel + j, nr);
            for (j = cols; j < nr; j++)
                for (int p = 0; p < kPairs; p++) panel[p * nr + j] = 0;
        }
    }

    // dst[p·stride] = the pair (src[2p], src[2p+1]) for every pair of the kc values, an odd last one paired with zero.
    private static void PackPairsStrided(float* src, int kc, uint* dst, int stride)
    {
        uint* words = stackalloc uint[16];
        int p = 0;
        for (; 2 * p + 32 <= kc; p += 16)
        {
            Vector512.Store(BFloat16.AdjacentPairs(Vector512.Load(src + 2 * p), Vector512.Load(src + 2 * p + 16)), words);
            for (int l = 0; l < 16; l++) dst[(p + l) * stride] = words[l];
        }
        for (; 2 * p + 1 < kc; p++) dst[p * stride] = BFloat16.Pair(src[2 * p], src[2 * p + 1]);
        if (kc % 2 != 0) dst[p * stride] = BFloat16.Pair(src[kc - 1], 0f);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}

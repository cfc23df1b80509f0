using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Single-precision GEMM, C (+)= op(A)·op(B), over row-major matrices with leading dimensions, in the
/// BLIS style: B is packed Kc×Nc at a time into NR-column panels, A Mc×Kc at a time into MR-row
/// panels, and a register-tiled micro-kernel sweeps each MR×NR tile of C. Packing absorbs the
/// transposes and zero-pads the ragged edges. Single-threaded: callers split C between workers.
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>Depth of one packed block: an NR-column B panel of Kc floats (32 KiB at NR = 32) sits in L1.</summary>
    public const int Kc = 256;

    /// <summary>Columns of B packed at once (a 2 MiB block at Kc = 256).</summary>
    public const int Nc = 2048;

    /// <summary>Rows of A packed at once: about 128, a whole number of MR panels (128 KiB in L2).</summary>
    public static int McFor(GemmKernel kernel) => 128 / SgemmKernels.Mr(kernel) * SgemmKernels.Mr(kernel);

    /// <summary>
    /// C[m×n] = op(A)[m×k]·op(B)[k×n], or C += … when <paramref name="accumulate"/>. op(A)[i, p] is
    /// a[i·lda + p], or a[p·lda + i] when <paramref name="transA"/>; likewise for B.
    /// </summary>
    public static void Multiply(GemmWorkspace ws, int m, int n, int k,
        float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }

        int ncMax = ws.PackBCapacity / Math.Min(Kc, k) / ws.Nr * ws.Nr;
        int mcMax = ws.PackACapacity / Math.Min(Kc, k) / ws.Mr * ws.Mr;
        if (ncMax < ws.Nr || mcMax < ws.Mr)
            throw new InvalidOperationException($"A GEMM workspace sized for smaller problems was handed a {m}x{n}x{k} one.");
        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                bool add = accumulate || pc > 0;
                if (transB) PackBTransposed(ws, b + (long)jc * ldb + pc, ldb, kc, nc);
                else PackBRows(ws, b + (long)pc * ldb + jc, ldb, kc, nc);
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    if (transA) PackATransposed(ws, a + (long)pc * lda + ic, lda, kc, mc);
                    else PackARows(ws, a + (long)ic * lda + pc, lda, kc, mc);
                    MacroKernel(ws, mc, nc, kc, c + (long)ic * ldc + jc, ldc, add);
                }
            }
        }
    }

    private static void MacroKernel(GemmWorkspace ws, int mc, int nc, int kc, float* c, int ldc, bool accumulate)
    {
        int mr = ws.Mr, nr = ws.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int nValid = Math.Min(nr, nc - jr);
            float* bPanel = ws.PackB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int mValid = Math.Min(mr, mc - ir);
                float* aPanel = ws.PackA + (long)ir * kc;
                float* cTile = c + (long)ir * ldc + jr;
                if (mValid == mr && nValid == nr)
                {
                    SgemmKernels.Run(ws.Kernel, kc, aPanel, bPanel, cTile, ldc, accumulate);
                    continue;
                }

                // A ragged tile: compute all of it aside, keep the part inside C.
                SgemmKernels.Run(ws.Kernel, kc, aPanel, bPanel, ws.Tile, nr, accumulate: false);
                for (int i = 0; i < mValid; i++)
                {
                    float* row = cTile + (long)i * ldc, tile = ws.Tile + i * nr;
                    if (accumulate) for (int j = 0; j < nValid; j++) row[j] = tile[j] + row[j];
                    else for (int j = 0; j < nValid; j++) row[j] = tile[j];
                }
            }
        }
    }

    // Ã panel r holds, for each p, the MR values A[r·MR .. r·MR + MR, p]; rows past mc are zero.
    private static void PackARows(GemmWorkspace ws, float* a, int lda, int kc, int mc)
    {
        int mr = ws.Mr;
        for (int r = 0; r < mc; r += mr)
        {
            float* panel = ws.PackA + (long)r * kc;
            int rows = Math.Min(mr, mc - r);
            for (int i = 0; i < rows; i++)
            {
                float* src = a + (long)(r + i) * lda;
                float* dst = panel + i;
                for (int p = 0; p < kc; p++) dst[p * mr] = src[p];
            }
            for (int i = rows; i < mr; i++)
                for (int p = 0; p < kc; p++) panel[p * mr + i] = 0f;
        }
    }

    private static void PackATransposed(GemmWorkspace ws, float* a, int lda, int kc, int mc)
    {
        int mr = ws.Mr;
        for (int r = 0; r < mc; r += mr)
        {
            float* panel = ws.PackA + (long)r * kc;
            int rows = Math.Min(mr, mc - r);
            for (int p = 0; p < kc; p++)
            {
                float* src = a + (long)p * lda + r;
                float* dst = panel + p * mr;
                int i = 0;
                for (; i < rows; i++) dst[i] = src[i];
                for (; i < mr; i++) dst[i] = 0f;
            }
        }
    }

    // B̃ panel q holds, for each p, the NR values B[p, q·NR .. q·NR + NR]; columns past nc are zero.
    private static void PackBRows(GemmWorkspace ws, float* b, int ldb, int kc, int nc)
    {
        int nr = ws.Nr;
        for (int q = 0; q < nc; q += nr)
        {
            float* panel = ws.PackB + (long)q * kc;
            int cols = Math.Min(nr, nc - q);
            if (cols == nr && nr == 32)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)p * ldb + q;
                    Vector512.Store(Vector512.Load(src), panel + p * 32);
                    Vector512.Store(Vector512.Load(src + 16), panel + p * 32 + 16);
                }
                continue;
            }
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)p * ldb + q;
                float* dst = panel + p * nr;
                int j = 0;
                for (; j < cols; j++) dst[j] = src[j];
                for (; j < nr; j++) dst[j] = 0f;
            }
        }
    }

    private static void PackBTransposed(GemmWorkspace ws, float* b, int ldb, int kc, int nc)
    {
        int nr = ws.Nr;
        for (int q = 0; q < nc; q += nr)
        {
            float* panel = ws.PackB + (long)q * kc;
            int cols = Math.Min(nr, nc - q);
            for (int j = 0; j < cols; j++)
            {
                float* src = b + (long)(q + j) * ldb;
                float* dst = panel + j;
                for (int p = 0; p < kc; p++) dst[p * nr] = src[p];
            }
            for (int j = cols; j < nr; j++)
                for (int p = 0; p < kc; p++) panel[p * nr + j] = 0f;
        }
    }
}

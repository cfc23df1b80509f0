using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Single-precision GEMM, C (+)= op(A)·op(B), over row-major matrices with leading dimensions, in the
/// BLIS style: B is packed one depth block × Nc columns at a time into NR-column panels, A one depth
/// block × Mc rows at a time into MR-row panels, and a register-tiled micro-kernel sweeps each
/// MR×NR tile of C. Packing absorbs the transposes and zero-pads the ragged edges. An A that is
/// used many times (a convolution's weights) can be packed once with <see cref="PackA"/> and passed
/// to <see cref="MultiplyPacked"/>. Single-threaded: callers split C between workers.
/// </summary>
internal static unsafe class Sgemm
{
    /// <summary>The deepest depth block; deeper products are cut into equal blocks no deeper than this.</summary>
    public const int Kc = 384;

    /// <summary>Columns of B packed at once.</summary>
    public const int Nc = 2048;

    /// <summary>Rows of A packed at once: about 128, a whole number of MR panels.</summary>
    public static int McFor(GemmKernel kernel) => 128 / SgemmKernels.Mr(kernel) * SgemmKernels.Mr(kernel);

    /// <summary>
    /// The depth of each block for a product of depth <paramref name="k"/>: equal blocks rather than
    /// Kc and a thin remainder, since a thin block pays a whole pass over C for little work.
    /// </summary>
    public static int DepthBlock(int k)
    {
        int blocks = (k + Kc - 1) / Kc;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>Floats that <see cref="PackA"/> writes for an m×k op(A).</summary>
    public static int PackedASize(GemmKernel kernel, int m, int k) =>
        kernel == GemmKernel.Bf16 ? Bf16Gemm.PackedASize(m, k) : RoundUp(m, SgemmKernels.Mr(kernel)) * k;

    /// <summary>
    /// C[m×n] = op(A)[m×k]·op(B)[k×n], or C += … when <paramref name="accumulate"/>. op(A)[i, p] is
    /// a[i·lda + p], or a[p·lda + i] when <paramref name="transA"/>; likewise for B.
    /// </summary>
    public static void Multiply(GemmWorkspace ws, int m, int n, int k,
        float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc, bool accumulate)
    {
        var source = new StridedB(b, ldb, transB);
        Run(ws, m, n, k, a, lda, transA, null, ref source, c, ldc, accumulate);
    }

    /// <summary>Like <see cref="Multiply"/>, with op(A) already packed by <see cref="PackA"/> for the same m and k.</summary>
    public static void MultiplyPacked(GemmWorkspace ws, int m, int n, int k,
        float* packedA, float* b, int ldb, bool transB, float* c, int ldc, bool accumulate)
    {
        var source = new StridedB(b, ldb, transB);
        Run(ws, m, n, k, null, 0, false, packedA, ref source, c, ldc, accumulate);
    }

    /// <summary>
    /// Like <see cref="MultiplyPacked(GemmWorkspace, int, int, int, float*, float*, int, bool, float*, int, bool)"/>,
    /// with B never stored whole: <paramref name="source"/> packs each block of it straight into the panels.
    /// </summary>
    public static void MultiplyPacked<TSource>(GemmWorkspace ws, int m, int n, int k, float* packedA, ref TSource source, float* c, int ldc, bool accumulate)
        where TSource : struct, IPanelSource =>
        Run(ws, m, n, k, null, 0, false, packedA, ref source, c, ldc, accumulate);

    /// <summary>
    /// Packs all of op(A) for <see cref="MultiplyPacked"/>: depth block by depth block, each block
    /// holding every MR-row panel of the m rows.
    /// </summary>
    public static void PackA(GemmKernel kernel, int m, int k, float* a, int lda, bool transA, float* packed)
    {
        if (kernel == GemmKernel.Bf16)
        {
            Bf16Gemm.PackA(m, k, a, lda, transA, packed);
            return;
        }
        int mr = SgemmKernels.Mr(kernel), block = DepthBlock(k), mPadded = RoundUp(m, mr);
        for (int pc = 0; pc < k; pc += block)
        {
            int kc = Math.Min(block, k - pc);
            float* source = transA ? a + (long)pc * lda : a + pc;
            PackAPanels(mr, source, lda, transA, kc, m, packed + (long)pc * mPadded);
        }
    }

    private static void Run<TSource>(GemmWorkspace ws, int m, int n, int k,
        float* a, int lda, bool transA, float* packedA, ref TSource b, float* c, int ldc, bool accumulate)
        where TSource : struct, IPanelSource
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        if (ws.Kernel == GemmKernel.Bf16)
        {
            // The bf16 GEMM packs its own k-pair panels from a B stored whole; nothing else hands it one.
            if (b is not StridedB whole) throw new NotSupportedException($"The bf16 GEMM takes a stored B, not a {typeof(TSource).Name}.");
            Bf16Gemm.Run(ws, m, n, k, a, lda, transA, packedA, whole.B, whole.Ldb, whole.TransB, c, ldc, accumulate);
            return;
        }

        int block = DepthBlock(k), mPadded = RoundUp(m, ws.Mr);
        int ncMax = ws.PackBCapacity / block / ws.Nr * ws.Nr;
        int mcMax = packedA != null ? ws.Mc : ws.PackACapacity / block / ws.Mr * ws.Mr;
        if (ncMax < ws.Nr || mcMax < ws.Mr)
            throw new InvalidOperationException($"A GEMM workspace sized for smaller problems was handed a {m}x{n}x{k} one.");

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += block)
            {
                int kc = Math.Min(block, k - pc);
                bool add = accumulate || pc > 0;
                b.Pack(ws, pc, kc, jc, nc);
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    float* aBlock;
                    if (packedA != null)
                    {
                        aBlock = packedA + (long)pc * mPadded + (long)ic * kc;
                    }
                    else
                    {
                        float* source = transA ? a + (long)pc * lda + ic : a + (long)ic * lda + pc;
                        PackAPanels(ws.Mr, source, lda, transA, kc, mc, ws.PackA);
                        aBlock = ws.PackA;
                    }
                    MacroKernel(ws, aBlock, mc, nc, kc, c + (long)ic * ldc + jc, ldc, add);
                }
            }
        }
    }

    private static void MacroKernel(GemmWorkspace ws, float* aBlock, int mc, int nc, int kc, float* c, int ldc, bool accumulate)
    {
        int mr = ws.Mr;
        for (int jr = 0; jr < nc; jr += ws.Nr)
        {
            int nValid = Math.Min(ws.Nr, nc - jr), nr = SgemmKernels.PanelWidth(ws.Kernel, nValid);
            float* bPanel = ws.PackB + (long)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int mValid = Math.Min(mr, mc - ir);
                float* aPanel = aBlock + (long)ir * kc;
                float* cTile = c + (long)ir * ldc + jr;
                if (mValid == mr && nValid == nr)
                {
                    SgemmKernels.Run(ws.Kernel, nr, kc, aPanel, bPanel, cTile, ldc, accumulate);
                    continue;
                }

                // A ragged tile: compute all of it aside, keep the part inside C.
                SgemmKernels.Run(ws.Kernel, nr, kc, aPanel, bPanel, ws.Tile, nr, accumulate: false);
                for (int i = 0; i < mValid; i++)
                {
                    float* row = cTile + (long)i * ldc, tile = ws.Tile + i * nr;
                    if (accumulate) for (int j = 0; j < nValid; j++) row[j] = tile[j] + row[j];
                    else for (int j = 0; j < nValid; j++) row[j] = tile[j];
                }
            }
        }
    }

    // Panel r of the result holds, for each p, the MR values A[r·MR .. r·MR + MR, p]; rows past mc are zero.
    private static void PackAPanels(int mr, float* a, int lda, bool transA, int kc, int mc, float* packed)
    {
        for (int r = 0; r < mc; r += mr)
        {
            float* panel = packed + (long)r * kc;
            int rows = Math.Min(mr, mc - r);
            if (transA)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)p * lda + r;
                    float* dst = panel + p * mr;
                    int i = 0;
                    for (; i < rows; i++) dst[i] = src[i];
                    for (; i < mr; i++) dst[i] = 0f;
                }
                continue;
            }

            int done = 0;
            if (rows == 8 && mr == 8 && Transpose8x8.IsSupported)
            {
                // Eight rows at a time, eight depths at a time: each transposed block is eight consecutive k steps.
                for (; done + 8 <= kc; done += 8) Transpose8x8.Run(a + (long)r * lda + done, lda, panel + done * 8, 8);
            }
            for (int i = 0; i < rows; i++)
            {
                float* src = a + (long)(r + i) * lda;
                for (int p = done; p < kc; p++) panel[p * mr + i] = src[p];
            }
            for (int i = rows; i < mr; i++)
                for (int p = 0; p < kc; p++) panel[p * mr + i] = 0f;
        }
    }

    /// <summary>A B stored whole: row-major with leading dimension ldb, or its transpose.</summary>
    private readonly struct StridedB(float* b, int ldb, bool transB) : IPanelSource
    {
        public float* B { get; } = b;
        public int Ldb { get; } = ldb;
        public bool TransB { get; } = transB;

        public void Pack(GemmWorkspace ws, int pc, int kc, int jc, int nc)
        {
            if (TransB) PackBTransposed(ws, B + (long)jc * Ldb + pc, Ldb, kc, nc);
            else PackBRows(ws, B + (long)pc * Ldb + jc, Ldb, kc, nc);
        }
    }

    // B̃ panel q holds, for each p, the NR values B[p, q·NR .. q·NR + NR]; columns past nc are zero.
    // The last panel may be narrower (SgemmKernels.PanelWidth); earlier ones are full, so panel q still starts at q·kc.
    private static void PackBRows(GemmWorkspace ws, float* b, int ldb, int kc, int nc)
    {
        for (int q = 0; q < nc; q += ws.Nr)
        {
            float* panel = ws.PackB + (long)q * kc;
            int cols = Math.Min(ws.Nr, nc - q), nr = SgemmKernels.PanelWidth(ws.Kernel, cols);
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
            if (cols == 16 && nr == 16)
            {
                for (int p = 0; p < kc; p++) Vector512.Store(Vector512.Load(b + (long)p * ldb + q), panel + p * 16);
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
        for (int q = 0; q < nc; q += ws.Nr)
        {
            float* panel = ws.PackB + (long)q * kc;
            int cols = Math.Min(ws.Nr, nc - q), nr = SgemmKernels.PanelWidth(ws.Kernel, cols);
            int j = 0;
            if (Transpose8x8.IsSupported && kc >= 8)
            {
                // Columns of B are rows of the source: transpose eight columns by eight depths at a time.
                int deep = kc / 8 * 8;
                for (; j + 8 <= cols; j += 8)
                {
                    float* src = b + (long)(q + j) * ldb;
                    for (int p = 0; p < deep; p += 8) Transpose8x8.Run(src + p, ldb, panel + p * nr + j, nr);
                    for (int jj = j; jj < j + 8; jj++)
                        for (int p = deep; p < kc; p++) panel[p * nr + jj] = b[(long)(q + jj) * ldb + p];
                }
            }
            for (; j < cols; j++)
            {
                float* src = b + (long)(q + j) * ldb;
                float* dst = panel + j;
                for (int p = 0; p < kc; p++) dst[p * nr] = src[p];
            }
            for (j = cols; j < nr; j++)
                for (int p = 0; p < kc; p++) panel[p * nr + j] = 0f;
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}

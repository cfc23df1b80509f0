namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// One GEMM split over the worker pool by fixed blocks of C: columns in multiples of NR when C is
/// wide enough, rows in multiples of MR otherwise. Each worker packs its own share with its own
/// workspace, and no two workers write the same element, so the result does not depend on timing.
/// Small products run on the calling thread alone.
/// </summary>
internal sealed unsafe class ParallelGemm : IParallelWork
{
    /// <summary>Below this many flops, waking a worker costs more than it saves.</summary>
    private const double ParallelFlops = 1e6;

    private readonly WorkerPool _pool;

    private int _m, _n, _k, _lda, _ldb, _ldc;
    private float* _a, _b, _c;
    private bool _transA, _transB, _accumulate, _splitColumns;

    /// <summary>Reserves the pool's shared GEMM workspaces for products up to <paramref name="maxM"/>×<paramref name="maxN"/>×<paramref name="maxK"/>.</summary>
    public ParallelGemm(WorkerPool pool, int maxM, int maxN, int maxK)
    {
        _pool = pool;
        pool.Workspace.ReserveGemm(maxM, maxN, maxK);
    }

    /// <summary>See <see cref="Sgemm.Multiply"/>.</summary>
    public void Multiply(int m, int n, int k, float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc, bool accumulate)
    {
        (_m, _n, _k, _lda, _transA, _ldb, _transB, _ldc, _accumulate) = (m, n, k, lda, transA, ldb, transB, ldc, accumulate);
        _a = a;
        _b = b;
        _c = c;
        GemmWorkspace first = _pool.Workspace.Gemm(0);
        int columnBlocks = (n + first.Nr - 1) / first.Nr, rowBlocks = (m + first.Mr - 1) / first.Mr;
        int workers = 1;
        if (2.0 * m * n * k >= ParallelFlops && _pool.Threads > 1)
        {
            _splitColumns = columnBlocks >= _pool.Threads || columnBlocks >= rowBlocks;
            workers = Math.Min(_pool.Threads, _splitColumns ? columnBlocks : rowBlocks);
        }
        _pool.Run(this, workers);
    }

    void IParallelWork.Execute(int worker, int workers)
    {
        GemmWorkspace ws = _pool.Workspace.Gemm(worker);
        if (workers == 1)
        {
            Sgemm.Multiply(ws, _m, _n, _k, _a, _lda, _transA, _b, _ldb, _transB, _c, _ldc, _accumulate);
            return;
        }

        if (_splitColumns)
        {
            (int start, int end) = WorkerPool.Share((_n + ws.Nr - 1) / ws.Nr, worker, workers);
            int j0 = start * ws.Nr, j1 = Math.Min(_n, end * ws.Nr);
            if (j0 >= j1) return;
            float* b = _transB ? _b + (long)j0 * _ldb : _b + j0;
            Sgemm.Multiply(ws, _m, j1 - j0, _k, _a, _lda, _transA, b, _ldb, _transB, _c + j0, _ldc, _accumulate);
        }
        else
        {
            (int start, int end) = WorkerPool.Share((_m + ws.Mr - 1) / ws.Mr, worker, workers);
            int i0 = start * ws.Mr, i1 = Math.Min(_m, end * ws.Mr);
            if (i0 >= i1) return;
            float* a = _transA ? _a + i0 : _a + (long)i0 * _lda;
            Sgemm.Multiply(ws, i1 - i0, _n, _k, a, _lda, _transA, _b, _ldb, _transB, _c + (long)i0 * _ldc, _ldc, _accumulate);
        }
    }
}

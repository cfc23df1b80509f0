using BenchmarkDotNet.Attributes;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Benchmarks;

/// <summary>C = A·B for square float32 matrices: the packed SGEMM on one thread and split over two.</summary>
public unsafe class GemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private WorkerPool _pool = null!;
    private ParallelGemm _gemm = null!;

    [Params(512, 2048)]
    public int N { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _a = GC.AllocateArray<float>(N * N, pinned: true);
        _b = GC.AllocateArray<float>(N * N, pinned: true);
        _c = GC.AllocateArray<float>(N * N, pinned: true);
        for (int i = 0; i < N * N; i++) (_a[i], _b[i]) = ((float)random.NextDouble() - 0.5f, (float)random.NextDouble() - 0.5f);
        _pool = new WorkerPool(Threads);
        _gemm = new ParallelGemm(_pool, N, N, N);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    /// <summary>2·N³ flops; divide by the mean time for GFLOP/s.</summary>
    [Benchmark]
    public void Sgemm()
    {
        fixed (float* a = _a, b = _b, c = _c)
            _gemm.Multiply(N, N, N, a, N, false, b, N, false, c, N, accumulate: false);
    }
}

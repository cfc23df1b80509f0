using System.Diagnostics;
using System.Text.Json.Nodes;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Compare;

/// <summary>
/// torch_bench.py's gemm mode on the Cnn side: C = A·B for square float32 matrices through the fast
/// backend's SGEMM, split over the same worker pool that the layers use, timed after half a second
/// of warm-up calls.
/// </summary>
internal static unsafe class GemmBench
{
    public static void Run(Options o)
    {
        int n = o.GemmN;
        double flop = 2.0 * n * n * n;
        float[] a = GC.AllocateArray<float>(n * n, pinned: true), b = GC.AllocateArray<float>(n * n, pinned: true), c = GC.AllocateArray<float>(n * n, pinned: true);
        ThroughputBench.Gaussian(5, n * n).CopyTo(a, 0);
        ThroughputBench.Gaussian(6, n * n).CopyTo(b, 0);
        foreach (int threads in new[] { 1, o.Threads }.Distinct())
        {
            using var pool = new WorkerPool(threads);
            var gemm = new ParallelGemm(pool, n, n, n);
            fixed (float* pa = a, pb = b, pc = c)
            {
                // Warm up for half a second, as profile does: a single call leaves the SGEMM's loops
                // at the JIT's first tier for part of the timed calls (numpy's OpenBLAS has no such cost).
                long warm = Stopwatch.GetTimestamp();
                do gemm.Multiply(n, n, n, pa, n, false, pb, n, false, pc, n, accumulate: false);
                while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.5);
                var rates = new List<double>();
                for (int r = 0; r < o.Repeats; r++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    gemm.Multiply(n, n, n, pa, n, false, pb, n, false, pc, n, accumulate: false);
                    rates.Add(flop / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9);
                }
                Console.WriteLine($"cnn_sgemm {n}x{n} fp32, threads={threads}: {Measurements.Format(rates, "GFLOP/s", 2)}");
                var record = new JsonObject { ["metric"] = "cnn_sgemm_gflops", ["n"] = n, ["threads"] = threads };
                foreach (var (key, value) in Measurements.Stats(rates)) record[key] = value?.DeepClone();
                Measurements.Emit(record);
            }
        }
    }
}

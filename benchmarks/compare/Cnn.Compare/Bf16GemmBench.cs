using System.Diagnostics;
using System.Text.Json.Nodes;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Compare;

/// <summary>
/// bf16 against fp32 GEMM, side by side: the tutorial net's conv2 GEMMs at batch 64 (forward
/// 64×588×288, weight gradient 64×288×588 with Bᵀ, input gradient 288×588×64 with Aᵀ; 588 columns
/// = three 14×14 images per GEMM) and a square --gemm-n product, on 1 and --threads threads. The two
/// precisions alternate repeat by repeat, each repeat long enough (about 0.2 s) to time; the
/// ratio of medians is the figure to read on a shared machine.
/// </summary>
internal static unsafe class Bf16GemmBench
{
    private record Shape(string Name, int M, int N, int K, bool TransA, bool TransB);

    public static void Run(Options o)
    {
        if (Bf16Kernel.UnsupportedReason is { } reason) throw new PlatformNotSupportedException(reason);
        int n = o.GemmN;
        Shape[] shapes =
        [
            new("conv2_forward", 64, 588, 288, false, false),
            new("conv2_weight_gradient", 64, 288, 588, false, true),
            new("conv2_input_gradient", 288, 588, 64, true, false),
            new($"square_{n}", n, n, n, false, false),
        ];
        foreach (int threads in new[] { 1, o.Threads }.Distinct())
        {
            using var fp32Pool = new WorkerPool(threads);
            using var bf16Pool = new WorkerPool(threads, GemmKernel.Bf16);
            foreach (Shape s in shapes)
            {
                float[] a = ThroughputBench.Gaussian(5, s.M * s.K), b = ThroughputBench.Gaussian(6, s.K * s.N), c = new float[s.M * s.N];
                var fp32 = new ParallelGemm(fp32Pool, s.M, s.N, s.K);
                var bf16 = new ParallelGemm(bf16Pool, s.M, s.N, s.K);
                double flop = 2.0 * s.M * s.N * s.K;
                fixed (float* pa = a, pb = b, pc = c)
                {
                    int calls = Math.Max(1, (int)(0.2 * 100e9 * threads / flop));
                    Rate(fp32, s, pa, pb, pc, 1);
                    Rate(bf16, s, pa, pb, pc, 1);
                    var fp32Rates = new List<double>();
                    var bf16Rates = new List<double>();
                    for (int r = 0; r < o.Repeats; r++)
                    {
                        fp32Rates.Add(Rate(fp32, s, pa, pb, pc, calls));
                        bf16Rates.Add(Rate(bf16, s, pa, pb, pc, calls));
                    }
                    double ratio = Measurements.Median(bf16Rates) / Measurements.Median(fp32Rates);
                    Console.WriteLine($"{s.Name} {s.M}x{s.N}x{s.K} threads={threads}: fp32 {Measurements.Format(fp32Rates, "GFLOP/s", 1)}; bf16 {Measurements.Format(bf16Rates, "GFLOP/s", 1)}; bf16/fp32 {ratio:F2}x");
                    var record = new JsonObject { ["metric"] = "bf16_over_fp32_gemm", ["shape"] = s.Name, ["m"] = s.M, ["n"] = s.N, ["k"] = s.K, ["threads"] = threads, ["ratio"] = ratio };
                    Measurements.Emit(record);
                }
            }
        }
    }

    // GFLOP/s of calls products C = op(A)·op(B).
    private static double Rate(ParallelGemm gemm, Shape s, float* a, float* b, float* c, int calls)
    {
        int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) gemm.Multiply(s.M, s.N, s.K, a, lda, s.TransA, b, ldb, s.TransB, c, s.N, accumulate: false);
        return 2.0 * s.M * s.N * s.K * calls / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9;
    }
}

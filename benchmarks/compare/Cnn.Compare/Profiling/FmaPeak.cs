using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text.Json.Nodes;

namespace Cnn.Compare.Profiling;

/// <summary>
/// This machine's measured fp32 FMA peak: each thread runs 512-bit FMAs on 16 independent
/// accumulators (enough to cover a 4-cycle FMA latency on two FMA pipes, with room to spare) and
/// nothing else, and the rate counts 2 FLOPs per lane per FMA. <c>lscpu</c> does not give the clock
/// of this machine, so this is the bar that layer GFLOP/s are put against. The peak mode prints it for
/// 1 and --threads threads and emits it as JSON (metric fma_peak_gflops).
/// </summary>
internal static class FmaPeak
{
    private const int Accumulators = 16;
    private const long Iterations = 40_000_000;
    private const double FlopsPerIteration = Accumulators * 16 * 2.0;

    public static void Run(Options o)
    {
        foreach (int threads in new[] { 1, o.Threads }.Distinct())
        {
            double gflops = Measure(threads);
            Console.WriteLine($"fp32 FMA peak, {threads} thread(s): {gflops:F1} GFLOP/s ({gflops / threads:F1} per thread)");
            Measurements.Emit(new JsonObject { ["metric"] = "fma_peak_gflops", ["threads"] = threads, ["value"] = gflops });
        }
    }

    /// <summary>The best of a few rounds of <paramref name="threads"/> threads running the FMA loop at once, in GFLOP/s over all of them.</summary>
    public static double Measure(int threads)
    {
        if (!Avx512F.IsSupported) throw new PlatformNotSupportedException("The FMA peak probe needs AVX-512F.");
        Loop(1000);  // compile it
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            using var start = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() => { start.SignalAndWait(); Loop(Iterations); })).ToArray();
            foreach (Thread t in workers) t.Start();
            start.SignalAndWait();
            long t0 = Stopwatch.GetTimestamp();
            foreach (Thread t in workers) t.Join();
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Max(best, threads * Iterations * FlopsPerIteration / seconds / 1e9);
        }
        return best;
    }

    /// <summary>acc = acc·a + b on 16 independent registers; the sum is returned so that nothing is dropped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop(long iterations)
    {
        Vector512<float> a = Vector512.Create(0.999999f), b = Vector512.Create(1e-6f);
        Vector512<float> c0 = Vector512.Create(0.1f), c1 = Vector512.Create(0.2f), c2 = Vector512.Create(0.3f), c3 = Vector512.Create(0.4f);
        Vector512<float> c4 = c0 + c1, c5 = c1 + c2, c6 = c2 + c3, c7 = c3 + c0;
        Vector512<float> c8 = c0 * c1, c9 = c1 * c2, c10 = c2 * c3, c11 = c3 * c0;
        Vector512<float> c12 = c4 * c1, c13 = c5 * c2, c14 = c6 * c3, c15 = c7 * c0;
        for (long i = 0; i < iterations; i++)
        {
            c0 = Avx512F.FusedMultiplyAdd(c0, a, b); c1 = Avx512F.FusedMultiplyAdd(c1, a, b);
            c2 = Avx512F.FusedMultiplyAdd(c2, a, b); c3 = Avx512F.FusedMultiplyAdd(c3, a, b);
            c4 = Avx512F.FusedMultiplyAdd(c4, a, b); c5 = Avx512F.FusedMultiplyAdd(c5, a, b);
            c6 = Avx512F.FusedMultiplyAdd(c6, a, b); c7 = Avx512F.FusedMultiplyAdd(c7, a, b);
            c8 = Avx512F.FusedMultiplyAdd(c8, a, b); c9 = Avx512F.FusedMultiplyAdd(c9, a, b);
            c10 = Avx512F.FusedMultiplyAdd(c10, a, b); c11 = Avx512F.FusedMultiplyAdd(c11, a, b);
            c12 = Avx512F.FusedMultiplyAdd(c12, a, b); c13 = Avx512F.FusedMultiplyAdd(c13, a, b);
            c14 = Avx512F.FusedMultiplyAdd(c14, a, b); c15 = Avx512F.FusedMultiplyAdd(c15, a, b);
        }
        Vector512<float> sum = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15;
        return Vector512.Sum(sum);
    }
}

using System.Diagnostics;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Compare.Profiling;

/// <summary>
/// The pooledconv mode: the MNIST tutorial net's conv2 (32→64, 3×3, pad 1, 14×14) fused with ReLU and
/// its 2×2 max pool, as the inference call runs it, by the operator's other paths (the wide
/// channel-vector kernel, then the pool) and by <see cref="PooledWinogradConvolution"/>, alternating
/// call by call on one backend: microseconds per call at batch 1 and 256, the fastest and the median
/// of the rounds (--repeats rounds at 256, 50× as many at batch 1).
/// </summary>
internal static class PooledConvProbe
{
    public static void Run(Options o)
    {
        var g = new Conv2dGeometry(256, 32, 14, 14, 64, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 1, true);
        var pool = new Pool2dGeometry(PoolKind.Max, 256, 64, 14, 14, 7, 7, 2, 2, 2, 2, 0, 0);
        var epilogue = new Epilogue(Activation: new ActivationGeometry(ActivationKind.ReLU, 256, g.OutputSize), Pool: pool);
        using var backend = new CpuBackend(CpuKernels.Fast, o.Threads);
        var other = new FastConv2dOperator(g, backend.Pool, epilogue: epilogue, pooledWinograd: false);
        var winograd = new FastConv2dOperator(g, backend.Pool, epilogue: epilogue, pooledWinograd: true);
        Tensor x = Buffer(backend, 256 * g.InputSize), w = Buffer(backend, g.WeightSize), b = Buffer(backend, g.OutChannels);
        Tensor y = Buffer(backend, 256 * pool.OutputSize), unpooled = Buffer(backend, 256 * g.OutputSize);
        Console.WriteLine($"MNIST conv2 + ReLU + 2x2 max pool, {o.Threads} threads, µs per call (best / median of alternating rounds); winograd path taken: {winograd.UsesPooledWinograd}");
        foreach (int batch in new[] { 1, 256 })
        {
            int rounds = batch == 1 ? 50 * o.Repeats : o.Repeats;
            var (a, bw) = Pair(rounds, other, winograd, op => ((IFusedConv2dOperator)op).Forward(batch, x, w, b, default, y, unpooled));
            Console.WriteLine($"batch {batch,3}: other paths {a.Best,9:F1} / {a.Median,9:F1}   pooled winograd {bw.Best,9:F1} / {bw.Median,9:F1}   ratio (best) {a.Best / bw.Best:F2}");
        }
    }

    private static ((double Best, double Median) A, (double Best, double Median) B) Pair(int rounds, FastConv2dOperator a, FastConv2dOperator b, Action<FastConv2dOperator> call)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 300) { call(a); call(b); }
        var timesA = new List<double>(); var timesB = new List<double>();
        for (int round = 0; round < rounds; round++)
            for (int turn = 0; turn < 2; turn++)
            {
                bool isA = (round % 2 == 0) == (turn == 0);
                long t0 = Stopwatch.GetTimestamp();
                call(isA ? a : b);
                (isA ? timesA : timesB).Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }
        static (double, double) Stats(List<double> t) { t.Sort(); return (t[0], t[t.Count / 2]); }
        return (Stats(timesA), Stats(timesB));
    }

    private static Tensor Buffer(CpuBackend backend, int length)
    {
        DeviceBuffer buffer = backend.Allocate(length);
        backend.Upload(ThroughputBench.Gaussian(length, length), new Tensor(buffer, 0, length));
        return new Tensor(buffer, 0, length);
    }
}

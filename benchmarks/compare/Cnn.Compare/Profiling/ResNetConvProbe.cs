using System.Diagnostics;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Compare.Profiling;

/// <summary>
/// The resnetprobe mode: each distinct convolution of ResNet-18 at 224×224 alone, as the inference
/// network runs it (fused with its batch norm, and ReLU where the network has one; the stem also with
/// its 3×3 stride-2 max pool), at batch 1 and --infer-batch, on --threads threads, once by the
/// dispatch's rule and once forced onto each forward path that takes it (wide channel vectors,
/// im2col + GEMM, Winograd F(2×2) and F(4×4)): the fastest of --repeats rounds, in microseconds per call and in
/// GFLOP/s of the direct convolution's multiply-adds.
/// </summary>
internal static class ResNetConvProbe
{
    private static readonly (string Name, Conv2dGeometry Geometry, bool Relu, bool Pool)[] Layers =
    [
        ("stem 7x7 s2", Conv(3, 224, 64, 7, 2, 3), true, false),
        ("stem+pool", Conv(3, 224, 64, 7, 2, 3), true, true),
        ("64@56 3x3", Conv(64, 56, 64, 3, 1, 1), true, false),
        ("64>128 3x3 s2", Conv(64, 56, 128, 3, 2, 1), true, false),
        ("64>128 1x1 s2", Conv(64, 56, 128, 1, 2, 0), false, false),
        ("128@28 3x3", Conv(128, 28, 128, 3, 1, 1), true, false),
        ("128>256 3x3 s2", Conv(128, 28, 256, 3, 2, 1), true, false),
        ("128>256 1x1 s2", Conv(128, 28, 256, 1, 2, 0), false, false),
        ("256@14 3x3", Conv(256, 14, 256, 3, 1, 1), true, false),
        ("256>512 3x3 s2", Conv(256, 14, 512, 3, 2, 1), true, false),
        ("256>512 1x1 s2", Conv(256, 14, 512, 1, 2, 0), false, false),
        ("512@7 3x3", Conv(512, 7, 512, 3, 1, 1), true, false),
    ];

    private static Conv2dGeometry Conv(int inC, int size, int outC, int k, int stride, int pad)
    {
        int o = (size + 2 * pad - k) / stride + 1;
        return new Conv2dGeometry(32, inC, size, size, outC, o, o, k, k, stride, stride, pad, pad, 1, 1, 1, false);
    }

    public static void Run(Options o)
    {
        int big = Math.Min(o.InferBatch, 32);
        Console.WriteLine($"{"layer",-16} {"path",-9} {"bs1 µs",9} {"GF/s",6} {"bs" + big + " µs",11} {"GF/s",6}");
        using var backend = new CpuBackend(CpuKernels.Fast, o.Threads);
        // The stem's max pool alone (3×3, stride 2, pad 1, 64×112×112 → 56×56), as the inference network's pool operator runs it.
        if (o.Nets.Any(n => n.StartsWith("maxpool", StringComparison.Ordinal)))
        {
            var pg = new Pool2dGeometry(PoolKind.Max, big, 64, 112, 112, 56, 56, 3, 3, 2, 2, 1, 1);
            IPool2dOperator pool = backend.CreatePool2d(pg);
            Tensor px = Buffer(backend, big * pg.InputSize, 8), py = Buffer(backend, big * pg.OutputSize, 9);
            double one = Time(() => pool.Forward(1, px, py), 2000, o.Repeats), many = Time(() => pool.Forward(big, px, py), 50, o.Repeats);
            Console.WriteLine($"{"maxpool 3x3 s2",-16} {"rule",-9} {one,9:F1} {"",6} {many,11:F0}");
        }
        // --nets may name layers (by the start of their names) to probe only those; network names select all.
        var chosen = Layers.Where(l => o.Nets.Any(n => l.Name.StartsWith(n, StringComparison.Ordinal))).ToArray();
        foreach (var layer in chosen.Length > 0 ? chosen : Layers)
        {
            (string name, Conv2dGeometry g) = (layer.Name, layer.Geometry);
            var norm = new BatchNormGeometry(g.MaxBatch, g.OutChannels, g.OutHeight * g.OutWidth, 1e-5f, 0.1f);
            Pool2dGeometry? pool = layer.Pool ? new Pool2dGeometry(PoolKind.Max, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, (g.OutHeight - 1) / 2 + 1, (g.OutWidth - 1) / 2 + 1, 3, 3, 2, 2, 1, 1) : null;
            var epilogue = new Epilogue(norm, layer.Relu ? new ActivationGeometry(ActivationKind.ReLU, g.MaxBatch, g.OutputSize) : null, pool);
            Tensor x = Buffer(backend, big * g.InputSize, 1), w = Buffer(backend, g.WeightSize, 2), y = Buffer(backend, big * g.OutputSize, 3);
            Tensor pooled = pool is { } p ? Buffer(backend, big * p.OutputSize, 4) : default;
            var bn = new BatchNormTensors(Buffer(backend, g.OutChannels, 5), Buffer(backend, g.OutChannels, 6), Buffer(backend, g.OutChannels, 7), Positive(backend, g.OutChannels));
            double macs = (double)g.OutputSize * g.InChannels * g.KernelHeight * g.KernelWidth;
            foreach (string path in new[] { "wide", "gemm", "winograd", "f4x4", "rule" })
            {
                if (path == "wide" && !WideChannelVectorConvolution.Applies(g)) continue;
                if (path is "winograd" or "f4x4" && !WinogradConvolution.Applies(g)) continue;
                var conv = new FastConv2dOperator(g, backend.Pool, epilogue: epilogue,
                    winograd: path switch { "winograd" => true, "rule" or "f4x4" => null, _ => false },
                    wideChannelVector: path switch { "wide" => true, "rule" or "f4x4" => null, _ => false },
                    winograd4x4: path switch { "f4x4" => true, "rule" => null, _ => false });
                void Call(int batch)
                {
                    if (pool is null) conv.Forward(batch, x, w, default, bn, y);
                    else conv.Forward(batch, x, w, default, bn, pooled, y);
                }
                double one = Time(() => Call(1), Math.Max(3, (int)(2e8 / macs)), o.Repeats);
                double many = Time(() => Call(big), Math.Max(2, (int)(2e9 / (macs * big))), o.Repeats);
                Console.WriteLine($"{name,-16} {path,-9} {one,9:F1} {2 * macs / one / 1e3,6:F0} {many,11:F0} {2 * macs * big / many / 1e3,6:F0}");
            }
        }
    }

    private static Tensor Buffer(CpuBackend backend, int length, int seed)
    {
        DeviceBuffer buffer = backend.Allocate(length);
        backend.Upload(ThroughputBench.Gaussian(length, seed), new Tensor(buffer, 0, length));
        return new Tensor(buffer, 0, length);
    }

    private static Tensor Positive(CpuBackend backend, int length)
    {
        DeviceBuffer buffer = backend.Allocate(length);
        backend.Upload(Enumerable.Repeat(1f, length).ToArray(), new Tensor(buffer, 0, length));
        return new Tensor(buffer, 0, length);
    }

    /// <summary>Microseconds per call: the fastest of <paramref name="rounds"/> rounds of <paramref name="calls"/> calls, after a warm-up.</summary>
    private static double Time(Action action, int calls, int rounds)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 300) action();
        double best = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMicroseconds / calls);
        }
        return best;
    }
}

using System.Diagnostics;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Compare.Profiling;

/// <summary>
/// The winograd mode: each 3×3 stride-1 layer of the CIFAR AlexNet-like net, ResNet-18 at 224×224,
/// a VGG-like net at 32×32 and a few small-channel layers, by im2col + GEMM and by Winograd
/// F(2×2, 3×3) side by side on one backend: forward, input gradient alone and weight + bias gradient
/// alone at the layer's batch, and forward at batch 1 (inference latency), the two algorithms
/// alternating call by call, the fastest of --repeats rounds each (4× as many at batch 1). Prints
/// milliseconds per call and the ratio im2col / Winograd (above 1: Winograd is faster), and whether
/// the rule picks Winograd for the layer (<see cref="WinogradConvolution.Preferred"/>), from which batch on
/// (<see cref="WinogradConvolution.MinBatch"/>), or leaves it to im2col ("gemm").
/// </summary>
internal static class WinogradProbe
{
    private static readonly (string Name, int Batch, int Channels, int Size, int OutChannels)[] Layers =
    [
        ("alex conv3", 64, 192, 6, 384), ("alex conv4", 64, 384, 6, 256), ("alex conv5", 64, 256, 6, 256),
        ("resnet 56x56x64", 16, 64, 56, 64), ("resnet 28x28x128", 16, 128, 28, 128),
        ("resnet 14x14x256", 16, 256, 14, 256), ("resnet 7x7x512", 16, 512, 7, 512),
        ("vgg 32x32x64", 64, 64, 32, 64), ("vgg 16x16x128", 64, 128, 16, 128), ("vgg 8x8x256", 64, 256, 8, 256), ("vgg 4x4x512", 64, 512, 4, 512),
        ("mnist conv2", 64, 32, 14, 64), ("small 16x16x16", 64, 16, 16, 16), ("small 32x32x8", 64, 8, 32, 8),
    ];

    public static void Run(Options o)
    {
        Console.WriteLine($"Winograd F(2x2,3x3) vs im2col+GEMM, {o.Threads} threads, fastest of {o.Repeats} alternating rounds; ratio = im2col / Winograd");
        Console.WriteLine($"{"layer",-18} {"batch",5} {"rule",5} {"fwd im2col",11} {"winograd",9} {"ratio",6} {"dx im2col",10} {"winograd",9} {"ratio",6} {"dw im2col",10} {"winograd",9} {"ratio",6} {"bs1 im2col",10} {"winograd",9} {"ratio",6}");
        foreach (var (name, batch, c, size, k) in Layers)
        {
            var g = new Conv2dGeometry(batch, c, size, size, k, size, size, 3, 3, 1, 1, 1, 1, 1, 1, 1, true);
            using var backend = new CpuBackend(CpuKernels.Fast, o.Threads);
            var im2col = new FastConv2dOperator(g, backend.Pool, winograd: false);
            var winograd = new FastConv2dOperator(g, backend.Pool, winograd: true);
            Tensor x = Buffer(backend, batch * g.InputSize), w = Buffer(backend, g.WeightSize), b = Buffer(backend, k);
            Tensor y = Buffer(backend, batch * g.OutputSize), dy = Buffer(backend, batch * g.OutputSize), dx = Buffer(backend, batch * g.InputSize);
            Tensor dw = Buffer(backend, g.WeightSize), db = Buffer(backend, k);
            var forward = Pair(o.Repeats, im2col, winograd, op => op.Forward(batch, x, w, b, y));
            var data = Pair(o.Repeats, im2col, winograd, op => op.Backward(batch, x, w, dy, dx, default, default));
            var filter = Pair(o.Repeats, im2col, winograd, op => op.Backward(batch, x, w, dy, default, dw, db));
            var single = Pair(o.Repeats * 4, im2col, winograd, op => op.Forward(1, x, w, b, y));
            Console.WriteLine($"{name,-18} {batch,5} {(WinogradConvolution.Preferred(g) ? $"bs{WinogradConvolution.MinBatch(g)}+" : "gemm"),5} "
                + $"{forward.A,11:F2} {forward.B,9:F2} {forward.A / forward.B,6:F2} {data.A,10:F2} {data.B,9:F2} {data.A / data.B,6:F2} {filter.A,10:F2} {filter.B,9:F2} {filter.A / filter.B,6:F2} {single.A,10:F3} {single.B,9:F3} {single.A / single.B,6:F2}");
        }
    }

    /// <summary>Milliseconds per call of each operator: a warm-up, then rounds of one call each that alternate A, B, then B, A, so that neither always goes first.</summary>
    private static (double A, double B) Pair(int rounds, FastConv2dOperator a, FastConv2dOperator b, Action<FastConv2dOperator> call)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 150) { call(a); call(b); }
        double bestA = double.MaxValue, bestB = double.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            bool aFirst = round % 2 == 0;
            for (int turn = 0; turn < 2; turn++)
            {
                bool isA = aFirst == (turn == 0);
                FastConv2dOperator op = isA ? a : b;
                long t0 = Stopwatch.GetTimestamp();
                call(op);
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (isA) bestA = Math.Min(bestA, ms);
                else bestB = Math.Min(bestB, ms);
            }
        }
        return (bestA, bestB);
    }

    private static Tensor Buffer(CpuBackend backend, int length)
    {
        DeviceBuffer buffer = backend.Allocate(length);
        backend.Upload(ThroughputBench.Gaussian(length, length), new Tensor(buffer, 0, length));
        return new Tensor(buffer, 0, length);
    }
}

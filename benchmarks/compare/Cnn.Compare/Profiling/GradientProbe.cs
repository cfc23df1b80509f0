using System.Diagnostics;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;

namespace Cnn.Compare.Profiling;

/// <summary>
/// The gradients mode: each convolution of the CIFAR AlexNet-like net at the training batch
/// (--train-batch, 64 by default) on the fast backend's own paths, timed alone in each direction:
/// forward, input gradient alone (by the rule, and by im2col), and weight + bias gradient alone, the fastest of --repeats calls
/// after a warm-up, in milliseconds and GFLOP/s (2 per multiply-add), so that the backward's time
/// splits between its two halves.
/// </summary>
internal static class GradientProbe
{
    private static readonly (string Name, int Channels, int Size, int OutChannels, int Kernel, int Padding, bool First)[] Layers =
    [
        ("alex conv1 3->64 4x4", 3, 32, 64, 4, 1, true), ("alex conv2 64->192 4x4", 64, 15, 192, 4, 1, false),
        ("alex conv3 192->384", 192, 6, 384, 3, 1, false), ("alex conv4 384->256", 384, 6, 256, 3, 1, false),
        ("alex conv5 256->256", 256, 6, 256, 3, 1, false), ("mnist conv2 32->64 3x3", 32, 14, 64, 3, 1, false),
    ];

    public static void Run(Options o)
    {
        int batch = o.TrainBatch;
        Console.WriteLine($"AlexNet-like convolutions at batch {batch}, {o.Threads} threads, fastest of {o.Repeats} calls: ms and GFLOP/s");
        Console.WriteLine($"{"layer",-24} {"fwd ms",8} {"GF/s",6} {"dx ms",8} {"GF/s",6} {"dw ms",8} {"GF/s",6} {"dx im2col",9} {"GF/s",6}");
        foreach (var (name, c, size, k, kernel, padding, first) in Layers)
        {
            int outSize = size + 2 * padding - kernel + 1;
            var g = new Conv2dGeometry(batch, c, size, size, k, outSize, outSize, kernel, kernel, 1, 1, padding, padding, 1, 1, 1, true);
            using var backend = new CpuBackend(CpuKernels.Fast, o.Threads);
            var op = new FastConv2dOperator(g, backend.Pool);
            var folded = new FastConv2dOperator(g, backend.Pool, wideInputGradient: false);
            Tensor x = Buffer(backend, batch * g.InputSize), w = Buffer(backend, g.WeightSize), b = Buffer(backend, k);
            Tensor y = Buffer(backend, batch * g.OutputSize), dy = Buffer(backend, batch * g.OutputSize), dx = Buffer(backend, batch * g.InputSize);
            Tensor dw = Buffer(backend, g.WeightSize), db = Buffer(backend, k);
            double gflop = 2.0 * batch * k * outSize * outSize * c * kernel * kernel / 1e9;
            double forward = Best(o.Repeats, () => op.Forward(batch, x, w, b, y));
            double data = first ? double.NaN : Best(o.Repeats, () => op.Backward(batch, x, w, dy, dx, default, default));
            double filter = Best(o.Repeats, () => op.Backward(batch, x, w, dy, default, dw, db));
            double foldedData = first ? double.NaN : Best(o.Repeats, () => folded.Backward(batch, x, w, dy, dx, default, default));
            Console.WriteLine($"{name,-24} {forward,8:F2} {gflop / forward * 1e3,6:F0} {data,8:F2} {gflop / data * 1e3,6:F0} {filter,8:F2} {gflop / filter * 1e3,6:F0} {foldedData,9:F2} {gflop / foldedData * 1e3,6:F0}");
        }
    }

    private static double Best(int repeats, Action call)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 200) call();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return best;
    }

    private static Tensor Buffer(CpuBackend backend, int length)
    {
        DeviceBuffer buffer = backend.Allocate(length);
        backend.Upload(ThroughputBench.Gaussian(length, length), new Tensor(buffer, 0, length));
        return new Tensor(buffer, 0, length);
    }
}

using System.Diagnostics;
using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Compare.Profiling;

/// <summary>
/// The probe mode: each convolution of the three networks alone, forward at batch 1 and 256 and
/// forward + backward at batch 64, on 1 and on --threads threads: the fastest of several rounds, in
/// microseconds per call and GFLOP/s.
/// </summary>
internal static class ConvProbe
{
    private static readonly (string Name, Conv2dGeometry Geometry)[] Layers =
    [
        ("mnist conv1", Conv(1, 28, 32, 3, 1)), ("mnist conv2", Conv(32, 14, 64, 3, 1)),
        ("lenet conv1", Conv(1, 28, 6, 5, 2)), ("lenet conv2", Conv(6, 14, 16, 5, 0)),
        ("alex conv1", Conv(3, 32, 64, 4, 1)), ("alex conv2", Conv(64, 15, 192, 4, 1)), ("alex conv3", Conv(192, 6, 384, 3, 1)),
        ("alex conv4", Conv(384, 6, 256, 3, 1)), ("alex conv5", Conv(256, 6, 256, 3, 1)),
    ];

    private static Conv2dGeometry Conv(int inC, int size, int outC, int k, int pad)
    {
        int o = size + 2 * pad - k + 1;
        return new Conv2dGeometry(256, inC, size, size, outC, o, o, k, k, 1, 1, pad, pad, 1, 1, 1, true);
    }

    public static void Run(Options o)
    {
        Console.WriteLine($"{"layer",-12} {"thr",3} {"fwd bs1 µs",11} {"GF/s",6} {"fwd bs256 µs",13} {"GF/s",6} {"f+b bs64 µs",12} {"GF/s",6}");
        foreach (var (name, g) in Layers)
            foreach (int threads in new[] { 1, o.Threads }.Distinct())
            {
                using var backend = new CpuBackend(CpuKernels.Fast, threads);
                IConv2dOperator conv = backend.CreateConv2d(g);
                Tensor x = Buffer(backend, 256 * g.InputSize), w = Buffer(backend, g.WeightSize), b = Buffer(backend, g.OutChannels);
                Tensor y = Buffer(backend, 256 * g.OutputSize), dy = Buffer(backend, 64 * g.OutputSize), dx = Buffer(backend, 64 * g.InputSize);
                Tensor dw = Buffer(backend, g.WeightSize), db = Buffer(backend, g.OutChannels);
                double macs = (double)g.OutputSize * g.InChannels * g.KernelHeight * g.KernelWidth;
                double one = Time(() => conv.Forward(1, x, w, b, y), 2000);
                double many = Time(() => conv.Forward(256, x, w, b, y), 3);
                double train = Time(() => { conv.Forward(64, x, w, b, y); conv.Backward(64, x, w, dy, dx, dw, db); }, 4);
                Console.WriteLine($"{name,-12} {threads,3} {one,11:F1} {2 * macs / one / 1e3,6:F0} {many,13:F0} {2 * macs * 256 / many / 1e3,6:F0} {train,12:F0} {6 * macs * 64 / train / 1e3,6:F0}");
            }
    }

    private static Tensor Buffer(CpuBackend backend, int length)
    {
        DeviceBuffer buffer = backend.Allocate(length);
        backend.Upload(ThroughputBench.Gaussian(length, length), new Tensor(buffer, 0, length));
        return new Tensor(buffer, 0, length);
    }

    /// <summary>Microseconds per call: the fastest of 5 rounds of <paramref name="calls"/> calls, after a warm-up.</summary>
    private static double Time(Action action, int calls)
    {
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 200) action();
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMicroseconds / calls);
        }
        return best;
    }
}

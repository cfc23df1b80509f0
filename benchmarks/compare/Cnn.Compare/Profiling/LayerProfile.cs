using System.Diagnostics;
using Cnn.Backends.Cpu;
using Cnn.Compare.Networks;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Compare.Profiling;

/// <summary>
/// The profile mode: the three measured workloads of each network (train bs 64, inference bs 256,
/// latency bs 1) through a <see cref="ProfilingBackend"/>, printed as microseconds per call of
/// each layer's forward and backward, and what the layers leave unaccounted (dispatch, upload).
/// </summary>
internal static class LayerProfile
{
    public static void Run(Options o)
    {
        foreach (string name in o.Nets)
        {
            BenchNetwork spec = BenchNetworks.Find(name);
            Workload(spec, o, "train", o.TrainBatch, training: true, o.TrainSteps);
            Workload(spec, o, "inference", o.InferBatch, training: false, o.InferIters);
            Workload(spec, o, "latency", 1, training: false, o.LatencyIters);
        }
    }

    private static void Workload(BenchNetwork spec, Options o, string what, int batch, bool training, int iterations)
    {
        using var backend = new ProfilingBackend(new CpuBackend(CpuKernels.Fast, o.Threads));
        using INetwork net = spec.Create(batch, backend);
        using Optimizer optimizer = spec.CreateOptimizer(net);
        var step = new TrainingStep(net, Loss.For(net), optimizer);
        float[] x = ThroughputBench.Gaussian(1, batch * net.InputShape.Size), y = new float[batch];
        backend.Upload(x, net.Input.Slice(0, x.Length));
        net.Training = training;
        Action run = training ? () => step.Run(x, y, batch) : () => net.Forward(batch);

        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.5) run();

        // The fastest of a few rounds, slot by slot: the machine may be shared, and interference only adds time.
        const int rounds = 5;
        double scale = 1e6 / Stopwatch.Frequency / iterations, total = double.MaxValue;
        var forward = new double[backend.Slots.Count];
        var backward = new double[backend.Slots.Count];
        Array.Fill(forward, double.MaxValue);
        Array.Fill(backward, double.MaxValue);
        for (int round = 0; round < rounds; round++)
        {
            backend.Reset();
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < iterations; i++) run();
            total = Math.Min(total, Stopwatch.GetElapsedTime(t0).TotalMicroseconds / iterations);
            for (int s = 0; s < backend.Slots.Count; s++)
            {
                forward[s] = Math.Min(forward[s], backend.Slots[s].Forward * scale);
                backward[s] = Math.Min(backward[s], backend.Slots[s].Backward * scale);
            }
        }

        double layers = 0;
        Console.WriteLine($"\n=== {spec.Name} {what}, batch {batch}: {total:F1} µs per call, {batch / total * 1e6:F0} img/s (fastest of {rounds} rounds)");
        Console.WriteLine($"{"layer",-52} {"fwd µs",9} {"bwd µs",9} {"share",6}");
        for (int s = 0; s < backend.Slots.Count; s++)
        {
            double f = forward[s], b = backward[s];
            if (f + b == 0) continue;
            layers += f + b;
            Console.WriteLine($"{backend.Slots[s].Name,-52} {f,9:F1} {b,9:F1} {(f + b) / total,6:P0}");
        }
        Console.WriteLine($"{"(outside the layers)",-52} {Math.Max(0, total - layers),19:F1} {Math.Max(0, total - layers) / total,6:P0}");
    }
}

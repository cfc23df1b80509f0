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
/// each layer's forward and backward, what the layers leave unaccounted (dispatch, upload), and for
/// convolutions and fully connected layers their GFLOP/s (<see cref="LayerFlops"/>) and its fraction
/// of this machine's FMA peak on the same thread count (<see cref="FmaPeak"/>, measured first);
/// then the convolutions together over the whole workload.
/// </summary>
internal static class LayerProfile
{
    public static void Run(Options o)
    {
        double peak = FmaPeak.Measure(o.Threads);
        Console.WriteLine($"fp32 FMA peak on {o.Threads} thread(s): {peak:F1} GFLOP/s (measured; the %pk columns are fractions of it)");
        foreach (string name in o.Nets)
        {
            BenchNetwork spec = BenchNetworks.Find(name);
            Workload(spec, o, "train", o.TrainBatch, training: true, o.TrainSteps, peak);
            Workload(spec, o, "inference", o.InferBatch, training: false, o.InferIters, peak);
            Workload(spec, o, "latency", 1, training: false, o.LatencyIters, peak);
        }
    }

    private static void Workload(BenchNetwork spec, Options o, string what, int batch, bool training, int iterations, double peak)
    {
        using var backend = new ProfilingBackend(new CpuBackend(CpuKernels.Fast, o.Threads));
        // As the bench: a training network for the training workload, an inference one (its own plan) for the others.
        using INetwork net = spec.Create(batch, backend, training ? NetworkMode.Training : NetworkMode.Inference);
        using Optimizer? optimizer = training ? spec.CreateOptimizer(net) : null;
        TrainingStep? step = optimizer is null ? null : new TrainingStep(net, Loss.For(net), optimizer);
        float[] x = ThroughputBench.Gaussian(1, batch * net.InputShape.Size), y = new float[batch];
        backend.Upload(x, net.Input.Slice(0, x.Length));
        Action run = step is not null ? () => step.Run(x, y, batch) : () => net.Forward(batch);

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

        double layers = 0, convolutionTime = 0, convolutionFlops = 0;
        Console.WriteLine($"\n=== {spec.Name} {what}, batch {batch}: {total:F1} µs per call, {batch / total * 1e6:F0} img/s (fastest of {rounds} rounds)");
        Console.WriteLine($"{"layer",-56} {"fwd µs",9} {"GF/s",6} {"%pk",4} {"bwd µs",9} {"GF/s",6} {"%pk",4} {"share",6}");
        for (int s = 0; s < backend.Slots.Count; s++)
        {
            ProfilingBackend.Slot slot = backend.Slots[s];
            double f = forward[s], b = backward[s];
            if (f + b == 0) continue;
            layers += f + b;
            // FLOPs are the same every round: the last round's, per call.
            double forwardFlops = slot.ForwardFlops / iterations, backwardFlops = slot.BackwardFlops / iterations;
            Console.WriteLine($"{slot.Name,-56} {f,9:F1} {Rate(forwardFlops, f, peak)} {b,9:F1} {Rate(backwardFlops, b, peak)} {(f + b) / total,6:P0}");
            if (!slot.IsConvolution) continue;
            convolutionTime += f + b;
            convolutionFlops += forwardFlops + backwardFlops;
        }
        Console.WriteLine($"{"(outside the layers)",-56} {Math.Max(0, total - layers),31:F1} {"",11} {Math.Max(0, total - layers) / total,6:P0}");
        if (convolutionTime > 0)
        {
            double rate = convolutionFlops / convolutionTime / 1e3;
            Console.WriteLine($"convolutions over the whole {what} call: {convolutionFlops / 1e9:F3} GFLOP in {convolutionTime:F0} µs of {total:F0}: " +
                              $"{rate:F1} GFLOP/s, {rate / peak:P0} of the FMA peak ({convolutionFlops / total / 1e3 / peak:P0} counting the whole call's time)");
        }
    }

    /// <summary>"GF/s %pk" for <paramref name="flops"/> done in <paramref name="microseconds"/>, or blanks for a layer without FLOPs.</summary>
    private static string Rate(double flops, double microseconds, double peak)
    {
        if (flops == 0 || microseconds == 0) return $"{"",6} {"",4}";
        double gflops = flops / microseconds / 1e3;
        return $"{gflops,6:F1} {gflops / peak * 100,3:F0}%";
    }
}

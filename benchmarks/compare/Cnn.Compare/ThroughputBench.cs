using System.Diagnostics;
using System.Text.Json.Nodes;
using Cnn.Backends.Cpu;
using Cnn.Compare.Networks;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Compare;

/// <summary>
/// torch_bench.py's bench mode on the Cnn side: training throughput (the whole allocation-free
/// <see cref="TrainingStep"/>: upload, forward, loss, backward, optimizer, accuracy read-back),
/// inference throughput and batch-1 latency, on seeded Gaussian inputs and random labels.
/// </summary>
/// <remarks>
/// Warm-up runs the same count as torch's and, beyond it, until half a second has passed, so that
/// the JIT's tiered compilation has replaced the first-call code before anything is timed. One
/// network instance, built for <see cref="NetworkMode.Inference"/> (as samples/Serve builds a served
/// model, with its inference plan), serves inference and latency, as one model in eval() does in torch.
/// </remarks>
internal static class ThroughputBench
{
    private static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(0.5);

    public static void Run(Options o)
    {
        using var backend = new CpuBackend(CpuKernels.Fast, o.Threads, o.Precision);
        Console.WriteLine($"Cnn fast CPU backend {backend.Name}, threads={o.Threads}, .NET {Environment.Version}, {Environment.ProcessorCount} processors");
        foreach (string name in o.Nets)
        {
            BenchNetwork spec = BenchNetworks.Find(name);
            Train(spec, backend, o);
            InferAndLatency(spec, backend, o);
        }
    }

    private static void Train(BenchNetwork spec, CpuBackend backend, Options o)
    {
        int bs = o.TrainBatch;
        using INetwork net = spec.Create(bs, backend, NetworkMode.Training);
        using Optimizer optimizer = spec.CreateOptimizer(net);
        Console.WriteLine($"\n=== {spec.Name}: input {net.InputShape}, params {net.Parameters.Length:N0}");
        var step = new TrainingStep(net, Loss.For(net), optimizer);
        float[] x = Gaussian(1, bs * net.InputShape.Size), y = Labels(2, bs, net.OutputSize);

        Warm(o.Warmup, () => step.Run(x, y, bs));
        var ips = new List<double>();
        for (int r = 0; r < o.Repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int s = 0; s < o.TrainSteps; s++) step.Run(x, y, bs);
            ips.Add(bs * o.TrainSteps / Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        Console.WriteLine($"train  bs={bs} ({o.TrainSteps} steps/repeat): {Measurements.Format(ips, "img/s")}");
        Emit(spec, "train_img_per_s", o, ips, bs);
    }

    private static void InferAndLatency(BenchNetwork spec, CpuBackend backend, Options o)
    {
        int bs = o.InferBatch;
        using INetwork net = spec.Create(bs, backend, NetworkMode.Inference);
        int inputSize = net.InputShape.Size;
        backend.Upload(Gaussian(3, bs * inputSize), net.Input.Slice(0, bs * inputSize));

        Warm(o.Warmup, () => net.Forward(bs));
        var ips = new List<double>();
        for (int r = 0; r < o.Repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < o.InferIters; i++) net.Forward(bs);
            ips.Add(bs * o.InferIters / Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        Console.WriteLine($"infer  bs={bs} ({o.InferIters} iters/repeat): {Measurements.Format(ips, "img/s")}");
        Emit(spec, "infer_img_per_s", o, ips, bs);

        // Batch 1: the first sample of the same input buffer.
        for (int i = 0; i < 50; i++) net.Forward(1);
        Warm(0, () => net.Forward(1));
        var medians = new List<double>();
        var p90s = new List<double>();
        double[] times = new double[o.LatencyIters];
        for (int r = 0; r < o.Repeats; r++)
        {
            for (int i = 0; i < times.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                net.Forward(1);
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            Array.Sort(times);
            medians.Add(Measurements.Median(times));
            p90s.Add(times[(int)(0.9 * times.Length)]);
        }
        Console.WriteLine($"latency bs=1 (median of {o.LatencyIters} calls per repeat): {Measurements.Format(medians, "us")}  p90(median over repeats) {Measurements.Median(p90s):F1} us");
        JsonObject record = Record(spec, "latency_bs1_us", o, medians);
        record["p90_median"] = Measurements.Median(p90s);
        Measurements.Emit(record);
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="count"/> times and, beyond that, until half a second has passed.</summary>
    internal static void Warm(int count, Action action)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count || clock.Elapsed < WarmupTime; i++) action();
    }

    private static void Emit(BenchNetwork spec, string metric, Options o, List<double> values, int batch)
    {
        JsonObject record = Record(spec, metric, o, values);
        record["batch"] = batch;
        Measurements.Emit(record);
    }

    private static JsonObject Record(BenchNetwork spec, string metric, Options o, List<double> values)
    {
        JsonObject record = Measurements.Record(spec.Name, metric, o.Threads, values);
        if (o.BFloat16) record["precision"] = "bf16";
        return record;
    }

    /// <summary>Standard normal values (Box–Muller), as torch.randn gives.</summary>
    internal static float[] Gaussian(int seed, int count)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u = 1.0 - random.NextDouble(), v = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }
        return values;
    }

    internal static float[] Labels(int seed, int count, int classes)
    {
        var random = new Random(seed);
        float[] labels = new float[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(classes);
        return labels;
    }
}

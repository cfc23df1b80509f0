using System.Diagnostics;
using System.Text.Json.Nodes;
using Cnn.Backends.Cpu;
using Cnn.Compare.Networks;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Compare;

/// <summary>
/// bf16 against fp32 for whole networks in one process: two backends, two copies of each network,
/// training steps (batch --train-batch) and inference (batch --infer-batch) timed repeat by repeat in
/// turn, so that load from elsewhere on a shared machine falls on both alike. Prints the medians and
/// their ratio.
/// </summary>
internal static class Bf16NetworkBench
{
    public static void Run(Options o)
    {
        using var fp32Backend = new CpuBackend(CpuKernels.Fast, o.Threads);
        using var bf16Backend = new CpuBackend(CpuKernels.Fast, o.Threads, MatrixPrecision.BFloat16);
        foreach (string name in o.Nets)
        {
            BenchNetwork spec = BenchNetworks.Find(name);
            using INetwork fp32 = spec.Create(o.TrainBatch, fp32Backend, NetworkMode.Training), bf16 = spec.Create(o.TrainBatch, bf16Backend, NetworkMode.Training);
            using Optimizer fp32Optimizer = spec.CreateOptimizer(fp32), bf16Optimizer = spec.CreateOptimizer(bf16);
            var fp32Step = new TrainingStep(fp32, Loss.For(fp32), fp32Optimizer);
            var bf16Step = new TrainingStep(bf16, Loss.For(bf16), bf16Optimizer);
            int bs = o.TrainBatch;
            float[] x = ThroughputBench.Gaussian(1, bs * fp32.InputShape.Size), y = ThroughputBench.Labels(2, bs, fp32.OutputSize);
            Compare(spec.Name, "train", o, bs * o.TrainSteps,
                () => { for (int s = 0; s < o.TrainSteps; s++) fp32Step.Run(x, y, bs); },
                () => { for (int s = 0; s < o.TrainSteps; s++) bf16Step.Run(x, y, bs); });

            int ibs = o.InferBatch;
            using INetwork fp32Infer = spec.Create(ibs, fp32Backend, NetworkMode.Inference), bf16Infer = spec.Create(ibs, bf16Backend, NetworkMode.Inference);
            float[] images = ThroughputBench.Gaussian(3, ibs * fp32Infer.InputShape.Size);
            fp32Backend.Upload(images, fp32Infer.Input.Slice(0, images.Length));
            bf16Backend.Upload(images, bf16Infer.Input.Slice(0, images.Length));
            Compare(spec.Name, "infer", o, ibs * o.InferIters,
                () => { for (int i = 0; i < o.InferIters; i++) fp32Infer.Forward(ibs); },
                () => { for (int i = 0; i < o.InferIters; i++) bf16Infer.Forward(ibs); });
        }
    }

    private static void Compare(string net, string what, Options o, int images, Action fp32, Action bf16)
    {
        ThroughputBench.Warm(o.Warmup, fp32);
        ThroughputBench.Warm(o.Warmup, bf16);
        var fp32Rates = new List<double>();
        var bf16Rates = new List<double>();
        for (int r = 0; r < o.Repeats; r++)
        {
            fp32Rates.Add(Rate(fp32, images));
            bf16Rates.Add(Rate(bf16, images));
        }
        double ratio = Measurements.Median(bf16Rates) / Measurements.Median(fp32Rates);
        Console.WriteLine($"{net} {what}: fp32 {Measurements.Format(fp32Rates, "img/s", 0)}; bf16 {Measurements.Format(bf16Rates, "img/s", 0)}; bf16/fp32 {ratio:F2}x");
        Measurements.Emit(new JsonObject { ["metric"] = $"bf16_over_fp32_{what}", ["net"] = net, ["threads"] = o.Threads, ["ratio"] = ratio });
    }

    private static double Rate(Action run, int images)
    {
        long t0 = Stopwatch.GetTimestamp();
        run();
        return images / Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }
}

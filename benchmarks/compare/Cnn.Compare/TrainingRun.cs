using System.Diagnostics;
using System.Text.Json.Nodes;
using Cnn.Backends.Cpu;
using Cnn.Compare.Networks;
using Cnn.Data;
using Normalization = Cnn.Data.Normalization;
using Cnn.Training;

namespace Cnn.Compare;

/// <summary>
/// torch_bench.py's train mode on the Cnn side: real Fashion-MNIST training at batch 64 with the
/// network's optimizer, then test accuracy, and the process's peak resident memory (VmHWM) at the end.
/// </summary>
internal static class TrainingRun
{
    public static void Run(Options o)
    {
        var clock = Stopwatch.StartNew();
        ImageDataset train = Data.FashionMnist.Load(o.Data, train: true), test = Data.FashionMnist.Load(o.Data, train: false);
        Console.WriteLine($"loaded Fashion-MNIST train {train.Count} test {test.Count} in {clock.Elapsed.TotalSeconds:F2}s");
        using var backend = new CpuBackend(CpuKernels.Fast, o.Threads);
        foreach (string name in o.Nets)
        {
            BenchNetwork spec = BenchNetworks.Find(name);
            using INetwork net = spec.Create(o.TrainBatch, backend, NetworkMode.Training);
            using var optimizer = spec.CreateOptimizer(net);
            IReadOnlyList<EpochResult> history = net.Fit(train, null, new FitOptions
            {
                Optimizer = optimizer, Epochs = o.Epochs, BatchSize = o.TrainBatch, Normalization = Normalization.FashionMnist, Seed = 1000,
            });
            Evaluation accuracy = net.Evaluate(test, o.TrainBatch, Normalization.FashionMnist);
            foreach (EpochResult epoch in history)
            {
                Console.WriteLine($"{name} epoch {epoch.Epoch}: {epoch.Seconds:F2} s/epoch ({epoch.ImagesPerSecond:F0} img/s), mean train loss {epoch.Loss:F4}");
                Measurements.Emit(new JsonObject
                {
                    ["net"] = name, ["metric"] = "fmnist_epoch", ["epoch"] = epoch.Epoch, ["epoch_s"] = epoch.Seconds,
                    ["train_loss"] = epoch.Loss, ["threads"] = o.Threads,
                });
            }
            Console.WriteLine($"{name}: test acc {accuracy.Accuracy * 100:F2}%");
        }
        double rss = Measurements.PeakRssMiB();
        Console.WriteLine($"peak RSS (VmHWM) {rss:F1} MiB");
        Measurements.Emit(new JsonObject { ["net"] = string.Join("+", o.Nets), ["metric"] = "train_peak_rss_mib", ["epochs"] = o.Epochs, ["value"] = rss });
    }
}

using System.Text.Json.Nodes;
using Cnn.Backends.Cpu;
using Cnn.Losses;
using Cnn.Models;
using Cnn.Optimizers;

namespace Cnn.Compare;

/// <summary>
/// torch_bench.py's memory mode on the Cnn side: one zoo network at 3×224×224 built for one batch
/// size, a few training steps (forward, loss, backward, SGD with momentum) or evaluation forward
/// passes on random data, then the process's peak resident memory (VmHWM). Run one configuration per
/// process (benchmarks/compare/memory.sh), so that each peak is its own.
/// </summary>
internal static class MemoryRun
{
    public static void Run(Options o)
    {
        if (o.Nets.Count != 1) throw new ArgumentException("memory takes one network: --nets resnet18 or --nets vgg16.");
        string name = o.Nets[0];
        bool training = o.Phase switch
        {
            "train" => true,
            "infer" => false,
            _ => throw new ArgumentException($"--phase is '{o.Phase}'; use train or infer."),
        };
        int batch = training ? o.TrainBatch : o.InferBatch;
        // Inference as PyTorch's eval() under no_grad: no gradients, no activations kept for a backward pass.
        NetworkMode mode = training ? NetworkMode.Training : NetworkMode.Inference;
        using var backend = new CpuBackend(CpuKernels.Fast, o.Threads);
        using INetwork network = name switch
        {
            "resnet18" => new ResNet18(batch, backend, 0, mode),
            "vgg16" => new Vgg16(batch, backend, 0, mode),
            _ => throw new ArgumentException($"Unknown network '{name}' for memory; use resnet18 or vgg16."),
        };
        var random = new SeededRandom(1);
        float[] input = new float[batch * network.InputShape.Size];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2 - 1;
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.NextInt(network.OutputSize);
        backend.Upload(input, network.Input.Slice(0, input.Length));
        backend.Upload(labels, network.Labels.Slice(0, batch));

        using Optimizer? optimizer = training ? new Sgd(network, 0.01f, momentum: 0.9f) : null;
        ILoss loss = Loss.For(network);
        network.Training = training;
        for (int step = 0; step < o.TrainSteps; step++)
        {
            network.Forward(batch);
            if (!training) continue;
            loss.Compute(network, batch);
            network.Backward(batch);
            optimizer!.Step();
        }
        double rss = Measurements.PeakRssMiB();
        Console.WriteLine($"{name} {o.Phase} batch {batch}: peak RSS (VmHWM) {rss:F1} MiB after {o.TrainSteps} steps");
        Measurements.Emit(new JsonObject
        {
            ["net"] = name, ["metric"] = "peak_rss_mib", ["phase"] = o.Phase, ["batch"] = batch, ["steps"] = o.TrainSteps,
            ["threads"] = o.Threads, ["value"] = rss,
        });
    }
}

using System.Diagnostics;
using Cnn.Backends;
using Cnn.Cuda.Graphs;
using Cnn.Losses;
using Cnn.Models;
using Cnn.Optimizers;

namespace Cnn.Cuda.Runner;

/// <summary>
/// Training throughput at batch 64 and 256, eagerly (the loss read back every step, as Trainer.Fit
/// does) and replayed from a captured CUDA graph, and batch-1 inference latency (forward plus
/// reading the output back), for the MNIST tutorial network, the CIFAR AlexNet-like network and
/// ResNet-18 at 3×32×32. SGD with momentum; inputs are random (throughput does not depend on them).
/// </summary>
internal static class Benchmarks
{
    private static readonly (string Name, Func<int, IBackend, INetwork> Create)[] s_networks =
    [
        ("MnistNet 1x28x28", (b, backend) => new MnistNet(b, backend, 1)),
        ("CifarAlexNet 3x32x32", (b, backend) => new CifarAlexNet(b, backend, 1)),
        ("ResNet18 3x32x32", (b, backend) => new ResNet18Cifar(b, backend, 1)),
    ];

    public static void Run(int device)
    {
        Console.WriteLine();
        Console.WriteLine("Benchmark (TF32 off; img/s of training steps; latency of one image, forward + download)");
        Console.WriteLine($"{"network",-22} {"b64 eager",11} {"b64 graph",11} {"b256 eager",11} {"b256 graph",11} {"b1 latency",12}");
        using var backend = new CudaBackend(new CudaBackendOptions { Device = device });
        foreach ((string name, Func<int, IBackend, INetwork> create) in s_networks)
        {
            try
            {
                (double eager64, double graph64) = Train(backend, create, 64);
                (double eager256, double graph256) = Train(backend, create, 256);
                double latency = Latency(backend, create);
                Console.WriteLine($"{name,-22} {eager64,11:N0} {graph64,11:N0} {eager256,11:N0} {graph256,11:N0} {latency,9:F3} ms");
            }
            catch (Exception e)
            {
                Console.WriteLine($"{name,-22} failed: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static (double Eager, double Graph) Train(CudaBackend backend, Func<int, IBackend, INetwork> create, int batch)
    {
        using INetwork network = create(batch, backend);
        using var optimizer = new Sgd(network, 0.01f, momentum: 0.9f);
        ILoss loss = Loss.For(network);
        Fill(backend, network, batch);
        network.Training = true;
        void Step()
        {
            network.Forward(batch);
            loss.Compute(network, batch);
            network.Backward(batch);
            optimizer.Step();
        }

        for (int i = 0; i < 5; i++) Step();
        double eager = Measure(backend, batch, Step);
        using CudaGraphStep graph = backend.CaptureStep(Step);
        for (int i = 0; i < 5; i++) graph.Replay();
        double replayed = Measure(backend, batch, graph.Replay);
        return (eager, replayed);
    }

    /// <summary>Images per second over at least a second (and at least 20 steps) of <paramref name="step"/>.</summary>
    private static double Measure(CudaBackend backend, int batch, Action step)
    {
        backend.Synchronize();
        var clock = Stopwatch.StartNew();
        int steps = 0;
        while (steps < 20 || clock.Elapsed.TotalSeconds < 1)
        {
            step();
            steps++;
            if (steps % 10 == 0) backend.Synchronize();
        }
        backend.Synchronize();
        return steps * (double)batch / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The median milliseconds of a batch-1 evaluation forward pass with its output read back.</summary>
    private static double Latency(CudaBackend backend, Func<int, IBackend, INetwork> create)
    {
        using INetwork network = create(1, backend);
        Fill(backend, network, 1);
        network.Training = false;
        float[] output = new float[network.OutputSize];
        var times = new List<double>();
        for (int i = 0; i < 120; i++)
        {
            long start = Stopwatch.GetTimestamp();
            network.Forward(1);
            backend.Download(network.Output.Slice(0, network.OutputSize), output);
            if (i >= 20) times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static void Fill(CudaBackend backend, INetwork network, int batch)
    {
        var random = new SeededRandom(7);
        float[] input = new float[batch * network.InputShape.Size];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle();
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.NextInt(network.OutputSize);
        backend.Upload(input, network.Input.Slice(0, input.Length));
        backend.Upload(labels, network.Labels.Slice(0, batch));
    }
}

using System.Diagnostics;
using System.Text.Json.Nodes;
using Cnn.Backends;
using Cnn.Cuda.Graphs;
using Cnn.Losses;
using Cnn.Models;
using Cnn.Optimizers;

namespace Cnn.Cuda.Runner;

/// <summary>
/// The figures <c>benchmarks/gpu/torch_gpu_bench.py</c> measures for PyTorch, under the same names:
/// training images per second at batch 64 and 256 (SGD with momentum, cross-entropy; eagerly, with the
/// loss read back every step as Trainer.Fit does, and replayed from a captured CUDA graph), evaluation
/// images per second at batch 256, and the latency of one image (forward plus reading the output back;
/// eagerly and replayed from a graph). TF32 off; inputs are random (throughput does not depend on them).
/// </summary>
internal static class Benchmarks
{
    private static readonly (string Name, Func<int, IBackend, INetwork> Create)[] s_networks =
    [
        ("mnist_cnn", (b, backend) => new MnistNet(b, backend, 1)),
        ("alexnet_cifar", (b, backend) => new CifarAlexNet(b, backend, 1)),
        ("resnet18_32", (b, backend) => new ResNet18Cifar(b, backend, 1)),
        ("resnet18_224", (b, backend) => new ResNet18(b, backend, 1)),
    ];

    /// <summary>Runs the selected networks, prints a table and returns one JSON object per figure.</summary>
    public static JsonArray Run(RunnerOptions options, TextWriter console)
    {
        var figures = new JsonArray();
        console.WriteLine();
        console.WriteLine("Benchmark (TF32 off; img/s of training steps and of evaluation; latency of one image, forward + download)");
        console.WriteLine($"{"network",-14} {"b64 eager",10} {"b64 graph",10} {"b256 eager",11} {"b256 graph",11} {"infer b256",11} {"b1 eager",10} {"b1 graph",10}");
        using var backend = new CudaBackend(new CudaBackendOptions { Device = options.Device });
        foreach ((string name, Func<int, IBackend, INetwork> create) in s_networks)
        {
            if (!options.Selects(name)) continue;
            try
            {
                (double eager64, double graph64) = Train(backend, create, 64);
                (double eager256, double graph256) = Train(backend, create, 256);
                double inference = Infer(backend, create, 256);
                (double latency, double graphLatency) = Latency(backend, create);
                console.WriteLine($"{name,-14} {eager64,10:N0} {graph64,10:N0} {eager256,11:N0} {graph256,11:N0} {inference,11:N0} {latency,7:F1} µs {graphLatency,7:F1} µs");
                figures.Add(Figure(name, "train_img_per_s", 64, "eager", eager64));
                figures.Add(Figure(name, "train_img_per_s", 64, "cuda_graph", graph64));
                figures.Add(Figure(name, "train_img_per_s", 256, "eager", eager256));
                figures.Add(Figure(name, "train_img_per_s", 256, "cuda_graph", graph256));
                figures.Add(Figure(name, "infer_img_per_s", 256, "eager", inference));
                figures.Add(Figure(name, "latency_bs1_us", 1, "eager", latency));
                figures.Add(Figure(name, "latency_bs1_us", 1, "cuda_graph", graphLatency));
            }
            catch (Exception e)
            {
                console.WriteLine($"{name,-14} failed: {e.GetType().Name}: {e.Message}");
                figures.Add(new JsonObject { ["net"] = name, ["error"] = $"{e.GetType().Name}: {e.Message}" });
            }
        }
        return figures;
    }

    private static JsonObject Figure(string net, string metric, int batch, string mode, double value) =>
        new() { ["net"] = net, ["metric"] = metric, ["batch"] = batch, ["mode"] = mode, ["median"] = Math.Round(value, 2) };

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

    private static double Infer(CudaBackend backend, Func<int, IBackend, INetwork> create, int batch)
    {
        using INetwork network = create(batch, backend);
        Fill(backend, network, batch);
        network.Training = false;
        for (int i = 0; i < 5; i++) network.Forward(batch);
        return Measure(backend, batch, () => network.Forward(batch));
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

    /// <summary>The median microseconds of a batch-1 evaluation forward pass with its output read back: eagerly, and replayed from a graph.</summary>
    private static (double Eager, double Graph) Latency(CudaBackend backend, Func<int, IBackend, INetwork> create)
    {
        using INetwork network = create(1, backend);
        Fill(backend, network, 1);
        network.Training = false;
        float[] output = new float[network.OutputSize];
        Tensor result = network.Output.Slice(0, network.OutputSize);
        double eager = MedianMicroseconds(() =>
        {
            network.Forward(1);
            backend.Download(result, output);
        });
        using CudaGraphStep graph = backend.CaptureStep(() => network.Forward(1));
        double replayed = MedianMicroseconds(() =>
        {
            graph.Replay();
            backend.Download(result, output);
        });
        return (eager, replayed);
    }

    private static double MedianMicroseconds(Action once)
    {
        var times = new List<double>();
        for (int i = 0; i < 220; i++)
        {
            long start = Stopwatch.GetTimestamp();
            once();
            if (i >= 20) times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
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

using BenchmarkDotNet.Attributes;
using Cnn.Backends.Cpu;
using Cnn.Compare.Networks;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Benchmarks;

/// <summary>
/// One whole training step (upload, forward, loss, backward, optimizer, accuracy read-back) of each
/// network at batch 64 on two threads, with the optimizer and loss of the comparison. 64 divided by
/// the mean time is the training throughput in images per second.
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private const int Batch = 64;
    private CpuBackend _backend = null!;
    private INetwork _network = null!;
    private Optimizer _optimizer = null!;
    private TrainingStep _step = null!;
    private float[] _images = [], _labels = [];

    [Params("mnist_cnn", "lenet5", "alexnet_cifar")]
    public string Network { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        BenchNetwork spec = BenchNetworks.Find(Network);
        _backend = new CpuBackend(CpuKernels.Fast, threads: 2);
        _network = spec.Create(Batch, _backend, NetworkMode.Training);
        _optimizer = spec.CreateOptimizer(_network);
        _step = new TrainingStep(_network, Loss.For(_network), _optimizer);
        var random = new Random(1);
        _images = new float[Batch * _network.InputShape.Size];
        for (int i = 0; i < _images.Length; i++) _images[i] = (float)(random.NextDouble() * 2 - 1);
        _labels = new float[Batch];
        for (int i = 0; i < Batch; i++) _labels[i] = random.Next(_network.OutputSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _network.Dispose();
        _backend.Dispose();
    }

    [Benchmark]
    public float Step() => _step.Run(_images, _labels, Batch).Loss;
}

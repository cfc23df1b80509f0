using BenchmarkDotNet.Attributes;
using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Benchmarks;

/// <summary>The pooling layer of each network at batch 64 on two threads, forward and backward.</summary>
public class PoolBenchmarks
{
    private const int Batch = 64;
    private CpuBackend _backend = null!;
    private IPool2dOperator _pool = null!;
    private Tensor _x, _y, _dy, _dx;

    [Params("mnist max 2x2 32x28x28", "lenet avg 2x2 6x28x28", "alexnet max 3/2 64x31x31")]
    public string Layer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        Pool2dGeometry g = Layer switch
        {
            "mnist max 2x2 32x28x28" => new Pool2dGeometry(PoolKind.Max, Batch, 32, 28, 28, 14, 14, 2, 2, 2, 2, 0, 0),
            "lenet avg 2x2 6x28x28" => new Pool2dGeometry(PoolKind.Average, Batch, 6, 28, 28, 14, 14, 2, 2, 2, 2, 0, 0),
            _ => new Pool2dGeometry(PoolKind.Max, Batch, 64, 31, 31, 15, 15, 3, 3, 2, 2, 0, 0),
        };
        _backend = new CpuBackend(CpuKernels.Fast, threads: 2);
        _pool = _backend.CreatePool2d(g);
        _x = Data.Random(_backend, (long)Batch * g.InputSize, 1);
        _y = Data.Random(_backend, (long)Batch * g.OutputSize, 2);
        _dy = Data.Random(_backend, (long)Batch * g.OutputSize, 3);
        _dx = Data.Random(_backend, (long)Batch * g.InputSize, 4);
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public void Forward() => _pool.Forward(Batch, _x, _y);

    [Benchmark]
    public void Backward() => _pool.Backward(Batch, _x, _y, _dy, _dx);
}

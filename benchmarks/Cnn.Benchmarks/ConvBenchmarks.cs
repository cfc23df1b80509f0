using BenchmarkDotNet.Attributes;
using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Benchmarks;

/// <summary>
/// One convolution of each network, at batch 64 on two threads, in each direction: forward,
/// backward for the weights alone (what the first layer runs), and backward for the weights and the
/// input (the operator computes both in one pass; the input-gradient time is the difference).
/// </summary>
public class ConvBenchmarks
{
    private const int Batch = 64;
    private CpuBackend _backend = null!;
    private IConv2dOperator _conv = null!;
    private Tensor _x, _w, _b, _y, _dy, _dx, _dw, _db;

    [Params("mnist conv1 1x28x28->32", "mnist conv2 32x14x14->64", "lenet conv1 1x28x28->6", "lenet conv2 6x14x14->16", "alexnet conv4 384x6x6->256")]
    public string Layer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        Conv2dGeometry g = Layer switch
        {
            "mnist conv2 32x14x14->64" => Same(32, 14, 64, 3),
            "mnist conv1 1x28x28->32" => Same(1, 28, 32, 3),
            "lenet conv1 1x28x28->6" => new Conv2dGeometry(Batch, 1, 28, 28, 6, 28, 28, 5, 5, 1, 1, 2, 2, 1, 1, 1, true),
            "lenet conv2 6x14x14->16" => new Conv2dGeometry(Batch, 6, 14, 14, 16, 10, 10, 5, 5, 1, 1, 0, 0, 1, 1, 1, true),
            _ => Same(384, 6, 256, 3),
        };
        _backend = new CpuBackend(CpuKernels.Fast, threads: 2);
        _conv = _backend.CreateConv2d(g);
        _x = Data.Random(_backend, (long)Batch * g.InputSize, 1);
        _w = Data.Random(_backend, g.WeightSize, 2);
        _b = Data.Random(_backend, g.OutChannels, 3);
        _y = Data.Random(_backend, (long)Batch * g.OutputSize, 4);
        _dy = Data.Random(_backend, (long)Batch * g.OutputSize, 5);
        _dx = Data.Random(_backend, (long)Batch * g.InputSize, 6);
        _dw = Data.Random(_backend, g.WeightSize, 7);
        _db = Data.Random(_backend, g.OutChannels, 8);
    }

    private static Conv2dGeometry Same(int inChannels, int size, int outChannels, int kernel) =>
        new(Batch, inChannels, size, size, outChannels, size, size, kernel, kernel, 1, 1, kernel / 2, kernel / 2, 1, 1, 1, true);

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public void Forward() => _conv.Forward(Batch, _x, _w, _b, _y);

    [Benchmark]
    public void BackwardWeight() => _conv.Backward(Batch, _x, _w, _dy, default, _dw, _db);

    [Benchmark]
    public void BackwardWeightAndData() => _conv.Backward(Batch, _x, _w, _dy, _dx, _dw, _db);
}

using Cnn.Backends;

namespace Cnn.IO.Tests;

/// <summary>A convolution and a linear layer: four named tensors of rank 4, 1, 2 and 1.</summary>
[Network]
[Input(1, 8, 8)]
[Conv2d("conv1", 4, 3)]
[ReLU]
[Flatten]
[Linear("fc", 3)]
public partial class IoTestNet
{
}

/// <summary>
/// <see cref="IoTestNet"/> with batch-norm-like buffers beside its parameters (a running mean and
/// variance, and a batch count), so that saving and loading buffers is tested before any
/// generated layer has them.
/// </summary>
internal sealed class BufferedTestNet : INetwork
{
    public static readonly ParameterInfo[] Infos =
    [
        new("bn.running_mean", "bn", ParameterRole.RunningMean, [4], 0, 4, ParameterInit.Zeros, 0),
        new("bn.running_var", "bn", ParameterRole.RunningVariance, [4], 4, 4, ParameterInit.Ones, 0),
        new("bn.num_batches_tracked", "bn", ParameterRole.BatchesTracked, [], 8, 1, ParameterInit.Zeros, 0),
    ];

    private readonly INetwork _inner;
    private readonly DeviceBuffer _buffers;

    public BufferedTestNet(ulong seed)
    {
        _inner = new IoTestNet(1, seed: seed);
        _buffers = _inner.Backend.Allocate(9);
    }

    public string ArchitectureName => nameof(BufferedTestNet);
    public IBackend Backend => _inner.Backend;
    public int MaxBatchSize => _inner.MaxBatchSize;
    public TensorShape InputShape => _inner.InputShape;
    public int OutputSize => _inner.OutputSize;
    public OutputKind OutputKind => _inner.OutputKind;
    public string Summary => _inner.Summary;
    public IReadOnlyList<ParameterInfo> ParameterInfos => _inner.ParameterInfos;
    public IReadOnlyList<ParameterInfo> BufferInfos => Infos;
    public Tensor Buffers => new(_buffers, 0, 9);
    public Tensor Parameters => _inner.Parameters;
    public Tensor Gradients => _inner.Gradients;
    public Tensor Input => _inner.Input;
    public Tensor Output => _inner.Output;
    public Tensor OutputGradient => _inner.OutputGradient;
    public Tensor Labels => _inner.Labels;
    public bool Training { get => _inner.Training; set => _inner.Training = value; }
    public bool DropoutEnabled { get => _inner.DropoutEnabled; set => _inner.DropoutEnabled = value; }
    public DropoutState DropoutState { get => _inner.DropoutState; set => _inner.DropoutState = value; }
    public IReadOnlyList<LayerInfo> Layers => _inner.Layers;
    public Tensor LayerOutput(int layer, int batch) => _inner.LayerOutput(layer, batch);
    public void Forward(int batch) => _inner.Forward(batch);
    public void Backward(int batch) => _inner.Backward(batch);
    public void Initialize(ulong seed) => _inner.Initialize(seed);

    public void Dispose()
    {
        _buffers.Dispose();
        _inner.Dispose();
    }
}

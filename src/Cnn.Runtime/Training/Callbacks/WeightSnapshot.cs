namespace Cnn.Training;

/// <summary>A host copy of a network's parameters and buffers, taken and put back through its backend.</summary>
internal sealed class WeightSnapshot
{
    private readonly float[] _parameters;
    private readonly float[] _buffers;

    public WeightSnapshot(INetwork network)
    {
        _parameters = new float[network.Parameters.Length];
        _buffers = new float[network.BufferInfos.Count > 0 ? network.Buffers.Length : 0];
    }

    /// <summary>Copies the network's current values into this snapshot (no allocation).</summary>
    public void Capture(INetwork network)
    {
        network.Backend.Download(network.Parameters, _parameters);
        if (_buffers.Length > 0) network.Backend.Download(network.Buffers, _buffers);
    }

    /// <summary>Writes this snapshot back into the network.</summary>
    public void Restore(INetwork network)
    {
        network.Backend.Upload(_parameters, network.Parameters);
        if (_buffers.Length > 0) network.Backend.Upload(_buffers, network.Buffers);
    }
}

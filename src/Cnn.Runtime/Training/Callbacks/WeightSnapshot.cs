using System.Numerics;

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

    /// <summary>The number of parameter values held.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>The number of buffer values held (0 for a network without buffers).</summary>
    public int BufferCount => _buffers.Length;

    /// <summary>Whether <paramref name="network"/> has this snapshot's parameter and buffer sizes.</summary>
    public bool Fits(INetwork network)
        => network.Parameters.Length == _parameters.Length
            && (network.BufferInfos.Count > 0 ? network.Buffers.Length : 0) == _buffers.Length;

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

    /// <summary>
    /// Moves this snapshot towards <paramref name="current"/>: <c>this = decay·this + (1 − decay)·current</c>
    /// for the parameters and the floating-point buffers; batch counts (<see cref="ParameterRole.BatchesTracked"/>)
    /// are copied, as timm's <c>ModelEmaV3</c> copies integer buffers.
    /// </summary>
    /// <param name="current">A snapshot of the same network.</param>
    /// <param name="decay">The weight of this snapshot's values.</param>
    /// <param name="bufferInfos">Where each buffer lies in the buffer values (the network's <see cref="INetwork.BufferInfos"/>).</param>
    public void Blend(WeightSnapshot current, float decay, IReadOnlyList<ParameterInfo> bufferInfos)
    {
        Lerp(_parameters, current._parameters, decay);
        foreach (ParameterInfo info in bufferInfos)
        {
            Span<float> average = _buffers.AsSpan((int)info.Offset, info.Length);
            ReadOnlySpan<float> values = current._buffers.AsSpan((int)info.Offset, info.Length);
            if (info.Role == ParameterRole.BatchesTracked) values.CopyTo(average);
            else Lerp(average, values, decay);
        }
    }

    /// <summary><paramref name="average"/> = decay·average + (1 − decay)·values.</summary>
    internal static void Lerp(Span<float> average, ReadOnlySpan<float> values, float decay)
    {
        float rest = 1 - decay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var d = new Vector<float>(decay);
            var r = new Vector<float>(rest);
            for (; i <= average.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(average[i..]) * d + new Vector<float>(values[i..]) * r).CopyTo(average[i..]);
        }
        for (; i < average.Length; i++) average[i] = average[i] * decay + values[i] * rest;
    }
}

namespace Cnn;

/// <summary>Telling a network that its parameters were written behind the backend's back.</summary>
public static class NetworkParameters
{
    /// <summary>
    /// Declares that <see cref="INetwork.Parameters"/> and <see cref="INetwork.Buffers"/> changed
    /// through memory the caller holds (<see cref="Backends.Cpu.CpuTensor.Span(Tensor)"/> of them, or
    /// <see cref="Backends.Cpu.CpuBuffer.Data"/>), by bumping their <see cref="DeviceBuffer.Version"/>.
    /// The fast CPU backend keeps each convolution's weights packed between forward passes and
    /// repacks them only when that version moves; writes through the backend (Upload, an optimizer
    /// step, <c>ModelFile.Load</c>, <see cref="INetwork.Initialize"/>) bump it themselves, a write
    /// through a span does not, and without this call the next forward pass would use the old weights.
    /// </summary>
    public static void ParametersChanged(this INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        network.Parameters.Buffer?.MarkWritten();
        network.Buffers.Buffer?.MarkWritten();
    }
}

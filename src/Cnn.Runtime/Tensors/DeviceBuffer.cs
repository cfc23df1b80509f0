namespace Cnn;

/// <summary>
/// One contiguous block of float32 memory owned by a backend: host memory for the CPU backend,
/// device memory for CUDA. A network owns three of them (parameters, gradients, activations),
/// and every tensor is an offset into one of them.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    private long _version;

    /// <summary>Number of float32 elements.</summary>
    public abstract long Length { get; }

    /// <summary>
    /// Counts the writes to this buffer that the layers did not make themselves: on the CPU backend,
    /// every <see cref="Backends.IBackend.Upload"/>, <see cref="Backends.IBackend.Copy"/>,
    /// <see cref="Backends.IBackend.Fill"/>, <see cref="Backends.IBackend.Add"/>,
    /// <see cref="Backends.IBackend.CopyStrided"/> and optimizer step into it, a batch norm's update of
    /// its running statistics, and every <see cref="MarkWritten"/>. So model loading, initialisation,
    /// weight snapshots and optimizers all count. What is derived from a parameter and kept between
    /// calls (the fast CPU convolution's packed weights, a folded batch norm) is derived again when
    /// the version differs from the one it was derived at.
    /// </summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>
    /// Declares that the contents changed: call it after writing the buffer through memory you hold
    /// (<see cref="Backends.Cpu.CpuBuffer.Data"/>, <see cref="Backends.Cpu.CpuTensor.Span(Tensor)"/>), so that the
    /// next forward pass does not use weights packed before the write. For a network's parameters and
    /// buffers, <see cref="NetworkParameters.ParametersChanged"/> does it.
    /// </summary>
    public void MarkWritten() => Interlocked.Increment(ref _version);

    /// <summary>Releases the memory.</summary>
    public abstract void Dispose();
}

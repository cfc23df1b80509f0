namespace Cnn;

/// <summary>
/// One contiguous block of float32 memory owned by a backend: host memory for the CPU backend,
/// device memory for CUDA. A network owns three of them (parameters, gradients, activations),
/// and every tensor is an offset into one of them.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    /// <summary>Number of float32 elements.</summary>
    public abstract long Length { get; }

    /// <summary>Releases the memory.</summary>
    public abstract void Dispose();
}

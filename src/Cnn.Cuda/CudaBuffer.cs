using Cnn.Cuda.Interop;

namespace Cnn.Cuda;

/// <summary>
/// Device memory for the CUDA backend: one cuMemAlloc allocation of <see cref="Length"/> floats, made
/// once and zeroed. Tensors are offsets into it. Disposing it (or its backend) frees it.
/// </summary>
public sealed class CudaBuffer : DeviceBuffer
{
    private readonly DeviceMemoryHandle _memory;
    private readonly long _length;

    internal CudaBuffer(CudaBackend backend, DeviceMemoryHandle memory, long length)
    {
        Backend = backend;
        _memory = memory;
        _length = length;
    }

    /// <inheritdoc/>
    public override long Length => _length;

    /// <summary>The backend that allocated it; only that backend's operations accept it.</summary>
    public CudaBackend Backend { get; }

    /// <summary>The CUdeviceptr of the first float.</summary>
    public ulong DevicePointer => IsDisposed ? throw new ObjectDisposedException(nameof(CudaBuffer)) : _memory.Pointer;

    internal bool IsDisposed => _memory.IsClosed;

    /// <summary>Frees the device memory; a second call does nothing, and <see cref="DevicePointer"/> throws afterwards.</summary>
    public override void Dispose()
    {
        if (_memory.IsClosed) return;
        Backend.Forget(this);
        _memory.Dispose();
    }
}

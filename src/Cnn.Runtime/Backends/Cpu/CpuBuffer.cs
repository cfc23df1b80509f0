using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu;

/// <summary>
/// Host memory for the CPU backend: one float array on the pinned object heap, so that the fast
/// kernels can hold raw pointers into it without pinning on every call.
/// </summary>
public sealed unsafe class CpuBuffer : DeviceBuffer
{
    private float[]? _data;
    private readonly long _length;

    /// <summary>Allocates <paramref name="length"/> zeroed floats.</summary>
    public CpuBuffer(long length)
    {
        if (length < 0 || length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), $"A CPU buffer holds between 0 and {Array.MaxLength} floats; {length} were requested.");
        _data = GC.AllocateArray<float>((int)length, pinned: true);
        _length = length;
    }

    public override long Length => _length;

    /// <summary>The floats, for host code that wants them directly.</summary>
    public float[] Data => _data ?? throw new ObjectDisposedException(nameof(CpuBuffer));

    /// <summary>The first float. Valid for the buffer's lifetime because the array is pinned.</summary>
    internal float* Pointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Data));

    public override void Dispose() => _data = null;
}

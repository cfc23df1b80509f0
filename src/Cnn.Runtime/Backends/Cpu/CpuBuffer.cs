using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu;

/// <summary>
/// Host memory for the CPU backend: floats in an array on the pinned object heap, so that the fast
/// kernels can hold raw pointers into it without pinning on every call. The first float sits on a
/// 64-byte boundary (an AVX-512 line), as the generator's 64-byte-aligned offsets assume: the array
/// is over-allocated by up to 15 floats and the buffer starts at the first aligned one.
/// </summary>
public sealed unsafe class CpuBuffer : DeviceBuffer
{
    /// <summary>The alignment of the first float, in bytes.</summary>
    public const int Alignment = 64;

    private const int AlignmentFloats = Alignment / sizeof(float);

    private float[]? _data;
    private readonly int _start;
    private readonly long _length;

    /// <summary>Allocates <paramref name="length"/> zeroed floats, the first 64-byte aligned.</summary>
    public CpuBuffer(long length)
    {
        if (length < 0 || length > Array.MaxLength - AlignmentFloats)
            throw new ArgumentOutOfRangeException(nameof(length), $"A CPU buffer holds between 0 and {Array.MaxLength - AlignmentFloats} floats; {length} were requested.");
        float[] data = GC.AllocateArray<float>((int)length + AlignmentFloats - 1, pinned: true);
        // Pinned arrays never move, so the aligned start found now stays aligned.
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(data));
        _start = (int)((Alignment - (address % Alignment)) % Alignment / sizeof(float));
        _data = data;
        _length = length;
    }

    /// <inheritdoc/>
    public override long Length => _length;

    /// <summary>The floats, for host code that wants them directly.</summary>
    public Span<float> Data => (_data ?? throw new ObjectDisposedException(nameof(CpuBuffer))).AsSpan(_start, (int)_length);

    /// <summary>The first float, 64-byte aligned. Valid for the buffer's lifetime because the array is pinned.</summary>
    internal float* Pointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(Data));

    /// <summary>Drops the array; <see cref="Data"/> throws <see cref="ObjectDisposedException"/> afterwards.</summary>
    public override void Dispose() => _data = null;
}

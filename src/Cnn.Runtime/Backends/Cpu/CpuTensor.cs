namespace Cnn.Backends.Cpu;

/// <summary>Host views of tensors that live in a <see cref="CpuBuffer"/>.</summary>
public static unsafe class CpuTensor
{
    /// <summary>The floats of <paramref name="tensor"/>; throws if it does not live in a <see cref="CpuBuffer"/>.</summary>
    public static Span<float> Span(Tensor tensor)
    {
        if (tensor.IsEmpty) return default;
        CpuBuffer buffer = BufferOf(tensor, "tensor");
        return buffer.Data.Slice(checked((int)tensor.Offset), tensor.Length);
    }

    /// <summary>
    /// The first <paramref name="required"/> floats of <paramref name="tensor"/>, checking that it is a
    /// CPU tensor at least that long. <paramref name="name"/> names it in the error.
    /// </summary>
    internal static Span<float> Span(Tensor tensor, long required, string name)
    {
        CpuBuffer buffer = Checked(tensor, required, name);
        return buffer.Data.Slice((int)tensor.Offset, (int)required);
    }

    /// <summary>Like <see cref="Span(Tensor, long, string)"/>, but an empty tensor gives an empty span (nothing to read or write).</summary>
    internal static Span<float> OptionalSpan(Tensor tensor, long required, string name) =>
        tensor.IsEmpty ? default : Span(tensor, required, name);

    /// <summary>A pointer to the first float of <paramref name="tensor"/>, after the same checks as <see cref="Span(Tensor, long, string)"/>.</summary>
    internal static float* Pointer(Tensor tensor, long required, string name)
    {
        CpuBuffer buffer = Checked(tensor, required, name);
        return buffer.Pointer + tensor.Offset;
    }

    /// <summary>Like <see cref="Pointer"/>, but an empty tensor gives null.</summary>
    internal static float* OptionalPointer(Tensor tensor, long required, string name) =>
        tensor.IsEmpty ? null : Pointer(tensor, required, name);

    private static CpuBuffer Checked(Tensor tensor, long required, string name)
    {
        if (tensor.IsEmpty)
            throw new ArgumentException($"Tensor '{name}' is empty, but {required} floats are needed.", name);
        CpuBuffer buffer = BufferOf(tensor, name);
        if (tensor.Length < required)
            throw new ArgumentException($"Tensor '{name}' holds {tensor.Length} floats, but {required} are needed.", name);
        if (tensor.Offset < 0 || tensor.Offset + tensor.Length > buffer.Length)
            throw new ArgumentException($"Tensor '{name}' ({tensor}) runs past the end of its buffer of {buffer.Length} floats.", name);
        return buffer;
    }

    private static CpuBuffer BufferOf(Tensor tensor, string name) =>
        tensor.Buffer as CpuBuffer ?? throw new ArgumentException(
            $"Tensor '{name}' lives in a {tensor.Buffer.GetType().Name}, but the CPU backend reads only buffers from CpuBackend.Allocate.", name);
}

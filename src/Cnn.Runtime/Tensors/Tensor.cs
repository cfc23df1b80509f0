namespace Cnn;

/// <summary>
/// A view of <see cref="Length"/> floats starting at <see cref="Offset"/> in a backend's
/// <see cref="DeviceBuffer"/>. Tensors carry no shape: the generated code knows every shape as a
/// constant and passes geometry to the backend operators once, at construction.
/// </summary>
public readonly struct Tensor
{
    /// <summary>A view of <paramref name="length"/> floats from float <paramref name="offset"/> of <paramref name="buffer"/>; not checked against the buffer's length here, but by the backend on use.</summary>
    public Tensor(DeviceBuffer buffer, long offset, int length)
    {
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    /// <summary>The memory the view reads; null for the empty tensor.</summary>
    public DeviceBuffer Buffer { get; }
    /// <summary>The first element, in floats from the buffer's start.</summary>
    public long Offset { get; }
    /// <summary>Number of floats in the view.</summary>
    public int Length { get; }

    /// <summary>True for the default value, used where an operator has nothing to write (e.g. the input gradient of the first layer).</summary>
    public bool IsEmpty => Buffer is null;

    /// <summary>A sub-range of this tensor.</summary>
    public Tensor Slice(int start, int length)
    {
        if ((uint)start > (uint)Length || (uint)length > (uint)(Length - start))
            throw new ArgumentOutOfRangeException(nameof(start), $"Slice [{start}, {start + length}) is outside a tensor of {Length} elements.");
        return new Tensor(Buffer, Offset + start, length);
    }

    /// <summary>The float range, e.g. <c>Tensor[0..784)</c>, for debugging.</summary>
    public override string ToString() => $"Tensor[{Offset}..{Offset + Length})";
}

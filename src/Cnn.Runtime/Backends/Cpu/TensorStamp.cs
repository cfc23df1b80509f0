namespace Cnn.Backends.Cpu;

/// <summary>
/// Which tensor something was derived from, and the <see cref="DeviceBuffer.Version"/> of its buffer
/// at the time: while a tensor's stamp stays equal, it holds what it held then.
/// </summary>
internal readonly record struct TensorStamp(DeviceBuffer? Buffer, long Offset, int Length, long Version)
{
    /// <summary>The stamp of <paramref name="tensor"/> now; the empty tensor has one too.</summary>
    public static TensorStamp Of(Tensor tensor) => new(tensor.Buffer, tensor.Offset, tensor.Length, tensor.Buffer?.Version ?? 0);
}

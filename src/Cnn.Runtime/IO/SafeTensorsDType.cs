namespace Cnn.IO;

/// <summary>
/// The element types a safetensors header can name, spelt as in the format (<c>"F32"</c>,
/// <c>"BF16"</c>, <c>"F8_E4M3"</c>, ...). They are declared in the reference implementation's
/// order, which is increasing alignment; the writer sorts tensors on it, largest first, as the
/// reference does, so every tensor's data is aligned to its element size.
/// </summary>
public enum SafeTensorsDType
{
    /// <summary>Boolean, one byte.</summary>
    Bool,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>8-bit float with 5 exponent and 2 mantissa bits.</summary>
    F8E5M2,
    /// <summary>8-bit float with 4 exponent and 3 mantissa bits.</summary>
    F8E4M3,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>IEEE half precision.</summary>
    F16,
    /// <summary>bfloat16: the upper half of a float32.</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>IEEE single precision, what Cnn computes in.</summary>
    F32,
    /// <summary>IEEE double precision.</summary>
    F64,
    /// <summary>Signed 64-bit integer (PyTorch's <c>num_batches_tracked</c>).</summary>
    I64,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Names, sizes and convertibility of <see cref="SafeTensorsDType"/>.</summary>
public static class SafeTensorsDTypes
{
    private static readonly string[] s_names =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    /// <summary>The name the header uses, e.g. <c>"BF16"</c>.</summary>
    public static string HeaderName(this SafeTensorsDType dtype) => s_names[(int)dtype];

    /// <summary>Bytes per element.</summary>
    public static int Size(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.Bool or SafeTensorsDType.U8 or SafeTensorsDType.I8 or SafeTensorsDType.F8E5M2 or SafeTensorsDType.F8E4M3 => 1,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 4,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 or SafeTensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <summary>
    /// Whether <see cref="SafeTensorsFile.ReadAsSingle"/> converts this type to float32: the float
    /// types (F32, F64, F16, BF16) and the signed integers PyTorch uses for counters (I64, I32).
    /// </summary>
    public static bool ConvertsToSingle(this SafeTensorsDType dtype) => dtype is
        SafeTensorsDType.F32 or SafeTensorsDType.F64 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 or
        SafeTensorsDType.I64 or SafeTensorsDType.I32;

    /// <summary>Parses a header's dtype name (case-sensitive, as the reference implementation is).</summary>
    public static bool TryParse(string name, out SafeTensorsDType dtype)
    {
        int index = Array.IndexOf(s_names, name);
        dtype = (SafeTensorsDType)Math.Max(index, 0);
        return index >= 0;
    }
}

namespace Cnn.IO;

/// <summary>
/// One tensor of a safetensors header: its name, element type, shape (row-major, empty for a 0-d
/// scalar) and where its bytes are, as <c>[Begin, End)</c> relative to the start of the data that
/// follows the header.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    /// <exception cref="OverflowException">The product does not fit a long; <see cref="SafeTensorsFile"/> refuses such headers, so only a hand-made record can.</exception>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dimension in Shape) count = checked(count * dimension);
            return count;
        }
    }

    /// <summary>The shape as the header writes it, e.g. <c>[4,1,3,3]</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    internal static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";
}

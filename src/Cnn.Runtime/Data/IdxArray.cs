namespace Cnn.Data;

/// <summary>
/// The contents of an IDX file of unsigned bytes (the MNIST format): its dimensions and its data in
/// row-major order. When read with a limit, <see cref="Dimensions"/>[0] is the number of items
/// actually read and <see cref="DeclaredCount"/> is what the header declares.
/// </summary>
public sealed class IdxArray
{
    internal IdxArray(string path, int[] dimensions, int declaredCount, int itemSize, long dataOffset, bool compressed, byte[] data)
    {
        Path = path;
        Dimensions = Array.AsReadOnly(dimensions);
        DeclaredCount = declaredCount;
        ItemSize = itemSize;
        DataOffset = dataOffset;
        IsCompressed = compressed;
        Data = data;
    }

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>The dimensions, outermost first; the first is the number of items read.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The item count (first dimension) that the header declares, before any limit.</summary>
    public int DeclaredCount { get; }

    /// <summary>The number of items read: <see cref="Dimensions"/>[0].</summary>
    public int Count => Dimensions[0];

    /// <summary>Bytes per item: the product of all dimensions but the first.</summary>
    public int ItemSize { get; }

    /// <summary>The offset of the first data byte: 4 + 4 × rank.</summary>
    public long DataOffset { get; }

    /// <summary>Whether the file was gzip-compressed (offsets then count decompressed bytes).</summary>
    public bool IsCompressed { get; }

    /// <summary>The data, row-major, <see cref="Count"/> × <see cref="ItemSize"/> bytes.</summary>
    public byte[] Data { get; }
}

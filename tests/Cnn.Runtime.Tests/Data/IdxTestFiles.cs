using System.Buffers.Binary;
using System.IO.Compression;

namespace Cnn.Data.Tests;

/// <summary>Builds IDX files byte by byte in a temporary directory, deleted on dispose.</summary>
internal sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles() => Directory = System.IO.Directory.CreateTempSubdirectory("cnn-data-tests-").FullName;

    public string Directory { get; }

    /// <summary>An IDX file image: magic, big-endian dims, then <paramref name="data"/>.</summary>
    public static byte[] Build(uint magic, int[] dims, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(raw);
        return output.ToArray();
    }

    /// <summary>Random bytes from a fixed seed.</summary>
    public static byte[] RandomBytes(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var bytes = new byte[count];
        for (int i = 0; i < count; i++)
            bytes[i] = (byte)random.NextInt(256);
        return bytes;
    }

    public string Write(string name, byte[] contents, bool gzip = false)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, gzip ? Gzip(contents) : contents);
        return path;
    }

    /// <summary>Writes an images file (rank 3) and a labels file (rank 1) of <paramref name="count"/> random samples.</summary>
    public (string Images, string Labels, byte[] Pixels, byte[] LabelBytes) WritePair(
        string prefix, int count, int height, int width, int classes, ulong seed, bool gzip = false)
    {
        byte[] pixels = RandomBytes(count * height * width, seed);
        var random = new SeededRandom(seed + 1);
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
            labels[i] = (byte)random.NextInt(classes);
        string suffix = gzip ? ".gz" : "";
        string images = Write($"{prefix}-images-idx3-ubyte{suffix}", Build(0x803, [count, height, width], pixels), gzip);
        string labelsPath = Write($"{prefix}-labels-idx1-ubyte{suffix}", Build(0x801, [count], labels), gzip);
        return (images, labelsPath, pixels, labels);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}

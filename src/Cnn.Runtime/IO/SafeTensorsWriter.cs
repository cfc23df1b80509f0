using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cnn.IO;

/// <summary>
/// Builds a safetensors file from named float32 and int64 tensors, byte for byte as the reference
/// implementation lays it out: tensors sorted by alignment (largest first) then by name, a compact
/// JSON header with <c>"__metadata__"</c> first, padded with spaces to a multiple of 8 bytes.
/// The tensors' memory is referenced, not copied, until <see cref="WriteTo"/> or <see cref="Save(string)"/>.
/// </summary>
public sealed class SafeTensorsWriter
{
    private readonly List<Entry> _entries = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The <c>"__metadata__"</c> strings to write (omitted from the header when empty).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Adds a float32 tensor of <paramref name="shape"/> (empty for a scalar), row-major.</summary>
    public SafeTensorsWriter AddSingle(string name, ReadOnlySpan<long> shape, ReadOnlyMemory<float> values) =>
        Add(new Entry(name, SafeTensorsDType.F32, Checked(name, shape, values.Length), values, default));

    /// <summary>Adds an int64 tensor of <paramref name="shape"/> (empty for a scalar), row-major.</summary>
    public SafeTensorsWriter AddInt64(string name, ReadOnlySpan<long> shape, ReadOnlyMemory<long> values) =>
        Add(new Entry(name, SafeTensorsDType.I64, Checked(name, shape, values.Length), default, values));

    /// <summary>The header bytes (without the 8-byte length), padded to a multiple of 8.</summary>
    public byte[] BuildHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();
        // serde_json escapes only what JSON requires; the relaxed encoder comes closest, so names
        // such as "a+b" read the same in both.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> pair in Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                    json.WriteString(pair.Key, pair.Value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (Entry entry in Ordered())
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (long dimension in entry.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += entry.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    /// <summary>Writes the whole file to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        byte[] header = BuildHeader();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (Entry entry in Ordered())
        {
            if (entry.DType == SafeTensorsDType.F32) WriteLittleEndian(stream, entry.Singles.Span);
            else WriteLittleEndian(stream, entry.Int64s.Span);
        }
    }

    /// <summary>Writes the file to <paramref name="path"/> through a temporary file and a rename (<see cref="AtomicFile"/>), so a failure never leaves half a file there.</summary>
    public void Save(string path) => Save(path, wrap: null);

    /// <summary>As <see cref="Save(string)"/>; <paramref name="wrap"/> lets tests put a failing stream between the writer and the file.</summary>
    internal void Save(string path, Func<Stream, Stream>? wrap) => AtomicFile.Write(path, file =>
    {
        Stream target = wrap?.Invoke(file) ?? file;
        WriteTo(target);
        target.Flush();
    });

    private SafeTensorsWriter Add(Entry entry)
    {
        if (entry.Name.Length == 0 || entry.Name == "__metadata__")
            throw new ArgumentException($"'{entry.Name}' cannot name a tensor in a safetensors file.", "name");
        if (!_names.Add(entry.Name))
            throw new ArgumentException($"A tensor named '{entry.Name}' was already added.", "name");
        _entries.Add(entry);
        return this;
    }

    private IEnumerable<Entry> Ordered() =>
        _entries.OrderByDescending(e => e.DType).ThenBy(e => e.Name, StringComparer.Ordinal);

    private static long[] Checked(string name, ReadOnlySpan<long> shape, int length)
    {
        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension < 0) throw new ArgumentException($"'{name}' has a negative dimension in shape {SafeTensorInfo.FormatShape(shape.ToArray())}.", nameof(shape));
            count = checked(count * dimension);
        }
        if (count != length)
            throw new ArgumentException($"'{name}' has shape {SafeTensorInfo.FormatShape(shape.ToArray())} ({count} elements) but {length} values.", nameof(shape));
        return shape.ToArray();
    }

    private static void WriteLittleEndian<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        Span<byte> element = stackalloc byte[8];
        foreach (T value in values)
        {
            MemoryMarshal.Write(element, in value);
            element[..System.Runtime.CompilerServices.Unsafe.SizeOf<T>()].Reverse();
            stream.Write(element[..System.Runtime.CompilerServices.Unsafe.SizeOf<T>()]);
        }
    }

    private sealed record Entry(string Name, SafeTensorsDType DType, long[] Shape, ReadOnlyMemory<float> Singles, ReadOnlyMemory<long> Int64s)
    {
        public long ByteLength => DType == SafeTensorsDType.F32 ? Singles.Length * 4L : Int64s.Length * 8L;
    }
}

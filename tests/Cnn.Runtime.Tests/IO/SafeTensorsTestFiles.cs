using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cnn.IO.Tests;

/// <summary>One tensor of a hand-built file: the dtype is a header string, so invalid ones can be written too.</summary>
internal sealed record TestTensor(string Name, string DType, long[] Shape, byte[] Data);

/// <summary>
/// Builds safetensors files by hand, independently of <see cref="SafeTensorsWriter"/>, and parses
/// them independently of <see cref="SafeTensorsFile"/>, following the reference implementation's
/// rules; files go to a temporary directory deleted on dispose.
/// </summary>
internal sealed class SafeTensorsTestFiles : IDisposable
{
    public SafeTensorsTestFiles() => Directory = System.IO.Directory.CreateTempSubdirectory("cnn-io-tests-").FullName;

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    public string Write(string name, byte[] contents)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, contents);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    /// <summary>The little-endian bytes of <paramref name="values"/> as <paramref name="dtype"/>.</summary>
    public static byte[] Encode(string dtype, float[] values)
    {
        int size = dtype switch { "F64" or "I64" => 8, "F32" or "I32" => 4, "F16" or "BF16" => 2, "U8" => 1, _ => throw new ArgumentException(dtype) };
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> at = bytes.AsSpan(i * size, size);
            switch (dtype)
            {
                case "F64": BinaryPrimitives.WriteDoubleLittleEndian(at, values[i]); break;
                case "F32": BinaryPrimitives.WriteSingleLittleEndian(at, values[i]); break;
                case "F16": BinaryPrimitives.WriteHalfLittleEndian(at, (Half)values[i]); break;
                case "BF16": BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16)); break;
                case "I64": BinaryPrimitives.WriteInt64LittleEndian(at, (long)values[i]); break;
                case "I32": BinaryPrimitives.WriteInt32LittleEndian(at, (int)values[i]); break;
                case "U8": at[0] = (byte)values[i]; break;
            }
        }
        return bytes;
    }

    /// <summary>A file of <paramref name="tensors"/>, their data laid out in the given order.</summary>
    public static byte[] Build(IEnumerable<TestTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new StringBuilder("{");
        var data = new MemoryStream();
        if (metadata is not null)
            header.Append("\"__metadata__\":{").AppendJoin(",", metadata.Select(p => $"{Quote(p.Key)}:{Quote(p.Value)}")).Append("},");
        foreach (TestTensor t in tensors)
        {
            long begin = data.Length;
            data.Write(t.Data);
            header.Append(CultureInfo.InvariantCulture,
                $"{Quote(t.Name)}:{{\"dtype\":\"{t.DType}\",\"shape\":[{string.Join(",", t.Shape)}],\"data_offsets\":[{begin},{data.Length}]}},");
        }
        if (header[^1] == ',') header.Length--;
        header.Append('}');
        return Assemble(Encoding.UTF8.GetBytes(header.ToString()), data.ToArray());
    }

    /// <summary>8-byte length, the header padded with spaces to a multiple of 8, then the data.</summary>
    public static byte[] Assemble(byte[] header, byte[] data, ulong? declaredLength = null)
    {
        int padded = (header.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)padded);
        header.CopyTo(file, 8);
        file.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(file, 8 + padded);
        return file;
    }

    public static byte[] Assemble(string header, int dataLength, ulong? declaredLength = null) =>
        Assemble(Encoding.UTF8.GetBytes(header), new byte[dataLength], declaredLength);

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    /// <summary>What <see cref="ParseByReferenceRules"/> found: the header text, its metadata and tensors in data order.</summary>
    public sealed record Parsed(int HeaderLength, string HeaderText, Dictionary<string, string> Metadata, List<(string Name, string DType, long[] Shape, byte[] Data)> Tensors);

    /// <summary>
    /// Parses <paramref name="file"/> as the reference implementation does, asserting its rules: the
    /// header length fits, the header is JSON, each tensor's bytes are its dtype size × element
    /// count, and sorted by offset the tensors tile the data exactly.
    /// </summary>
    public static Parsed ParseByReferenceRules(byte[] file)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Xunit.Assert.True(n <= (ulong)(file.Length - 8) && n <= 100_000_000, $"header length {n}");
        string text = Encoding.UTF8.GetString(file, 8, (int)n);
        using JsonDocument document = JsonDocument.Parse(text);
        var metadata = new Dictionary<string, string>();
        var tensors = new List<(string, string, long[], long Begin, long End)>();
        foreach (JsonProperty p in document.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (JsonProperty m in p.Value.EnumerateObject()) metadata.Add(m.Name, m.Value.GetString()!);
                continue;
            }
            long[] shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long[] offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            tensors.Add((p.Name, p.Value.GetProperty("dtype").GetString()!, shape, offsets[0], offsets[1]));
        }
        tensors.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long start = 0;
        int dataStart = 8 + (int)n;
        var result = new List<(string, string, long[], byte[])>();
        foreach ((string name, string dtype, long[] shape, long begin, long end) in tensors)
        {
            Xunit.Assert.Equal(start, begin);
            int size = dtype switch { "F64" or "I64" or "U64" => 8, "F32" or "I32" or "U32" => 4, "F16" or "BF16" or "I16" or "U16" => 2, _ => 1 };
            Xunit.Assert.Equal(shape.Aggregate(1L, (a, b) => a * b) * size, end - begin);
            result.Add((name, dtype, shape, file.AsSpan(dataStart + (int)begin, (int)(end - begin)).ToArray()));
            start = end;
        }
        Xunit.Assert.Equal(file.Length - dataStart, start);
        return new Parsed((int)n, text, metadata, result);
    }
}

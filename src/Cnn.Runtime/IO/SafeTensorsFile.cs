using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace Cnn.IO;

/// <summary>
/// An open safetensors file whose header has been read and fully validated: the tensors tile the
/// data exactly, each spans dtype size × element count bytes, and nothing lies past the last one.
/// Tensor data stays on disk until <see cref="ReadAsSingle"/> or <see cref="ReadBytes"/> asks for it.
/// </summary>
/// <remarks>
/// The format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor
/// name to <c>{"dtype", "shape", "data_offsets"}</c> (plus an optional <c>"__metadata__"</c>
/// object of strings), then the data. The checks follow the reference implementation's, and every
/// length is checked against the file's length before anything of that length is allocated or
/// read, so a hostile header costs nothing.
/// </remarks>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>The reference implementation's limit on the header.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";
    private const int ChunkBytes = 64 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string path, SafeFileHandle handle, long dataStart, long dataLength,
        IReadOnlyList<SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        DataStart = dataStart;
        DataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>Byte offset of the data in the file: 8 + the header length.</summary>
    public long DataStart { get; }

    /// <summary>Bytes of tensor data after the header.</summary>
    public long DataLength { get; }

    /// <summary>Every tensor, in the order of its data in the file.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens <paramref name="path"/> and validates its header.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    public static SafeTensorsFile Open(string path)
    {
        SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw Fail(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length that starts every safetensors file.");

            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, path);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > (ulong)(fileLength - 8))
                throw Fail(path,
                    $"the first 8 bytes declare a header of {headerLength:N0} bytes, but only {fileLength - 8:N0} bytes follow them (the file is {fileLength:N0} bytes); the file is truncated or not safetensors.");
            if (headerLength > MaxHeaderLength)
                throw Fail(path,
                    $"the first 8 bytes declare a header of {headerLength:N0} bytes, more than the {MaxHeaderLength:N0} the format allows.");

            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, path);
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            (IReadOnlyList<SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata) = ParseHeader(header, dataLength, path);
            return new SafeTensorsFile(path, handle, dataStart, dataLength, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The tensor called <paramref name="name"/>, if the file has one.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeTensorInfo? tensor) =>
        _byName.TryGetValue(name, out tensor);

    /// <summary>
    /// Reads <paramref name="tensor"/> into <paramref name="destination"/>, converting each element
    /// to float32 (see <see cref="SafeTensorsDTypes.ConvertsToSingle"/>): F64 and the integers round
    /// to nearest, F16 and BF16 widen exactly.
    /// </summary>
    /// <exception cref="ArgumentException">The destination's length is not the tensor's element count.</exception>
    /// <exception cref="NotSupportedException">The tensor's dtype does not convert to float32.</exception>
    public void ReadAsSingle(SafeTensorInfo tensor, Span<float> destination)
    {
        CheckOwned(tensor);
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"'{tensor.Name}' has {tensor.ElementCount} elements but the destination holds {destination.Length}.", nameof(destination));
        if (!tensor.DType.ConvertsToSingle())
            throw new NotSupportedException($"'{tensor.Name}' in '{Path}' has dtype {tensor.DType.HeaderName()}, which does not convert to float32.");

        if (tensor.DType == SafeTensorsDType.F32 && BitConverter.IsLittleEndian)
        {
            ReadExactly(_handle, MemoryMarshal.AsBytes(destination), DataStart + tensor.Begin, Path);
            return;
        }

        int size = tensor.DType.Size();
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int perChunk = ChunkBytes / size;
            for (int done = 0; done < destination.Length; done += perChunk)
            {
                int count = Math.Min(perChunk, destination.Length - done);
                Span<byte> bytes = chunk.AsSpan(0, count * size);
                ReadExactly(_handle, bytes, DataStart + tensor.Begin + (long)done * size, Path);
                Convert(tensor.DType, bytes, destination.Slice(done, count));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Reads the raw little-endian bytes of <paramref name="tensor"/>, whatever its dtype.</summary>
    public void ReadBytes(SafeTensorInfo tensor, Span<byte> destination)
    {
        CheckOwned(tensor);
        if (destination.Length != tensor.End - tensor.Begin)
            throw new ArgumentException($"'{tensor.Name}' has {tensor.End - tensor.Begin} bytes but the destination holds {destination.Length}.", nameof(destination));
        ReadExactly(_handle, destination, DataStart + tensor.Begin, Path);
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _handle.Dispose();

    private void CheckOwned(SafeTensorInfo tensor)
    {
        if (!_byName.TryGetValue(tensor.Name, out SafeTensorInfo? own) || own.Begin != tensor.Begin || own.End != tensor.End || own.DType != tensor.DType)
            throw new ArgumentException($"'{tensor.Name}' is not a tensor of '{Path}'.", nameof(tensor));
    }

    private static void Convert(SafeTensorsDType dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorsDType.F32:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case SafeTensorsDType.F64:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            case SafeTensorsDType.F16:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case SafeTensorsDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case SafeTensorsDType.I64:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                break;
            case SafeTensorsDType.I32:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                break;
            default:
                throw new NotSupportedException($"dtype {dtype.HeaderName()} does not convert to float32.");
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long offset, string path)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, offset);
            // The length was checked when the file was opened; a short read means it shrank since.
            if (read == 0)
                throw Fail(path, $"it ends at byte offset {offset:N0}, before the {destination.Length:N0} bytes its header promised there; was it truncated while being read?");
            destination = destination[read..];
            offset += read;
        }
    }

    private static (IReadOnlyList<SafeTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(byte[] header, long dataLength, string path)
    {
        if (!Utf8.IsValid(header))
            throw Fail(path, $"the header is not valid UTF-8 (byte offset {8 + FirstInvalidUtf8(header):N0}).");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber == 0 && e.BytePositionInLine is long column ? FormattableString.Invariant($" at byte offset {8 + column:N0}") : $" at line {e.LineNumber + 1}";
            throw Fail(path, $"the header is not valid JSON{where}: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail(path, $"the header is a JSON {Kind(root)}, not an object of tensors.");

            var tensors = new List<SafeTensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw Fail(path, $"the header names '{property.Name}' twice.");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, path);
                else
                    tensors.Add(ReadTensor(property.Name, property.Value, path));
            }

            ValidateLayout(tensors, dataLength, path);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(path, $"'{MetadataKey}' is a JSON {Kind(value)}, not an object of strings.");
        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Fail(path, $"'{MetadataKey}' entry '{entry.Name}' is a JSON {Kind(entry.Value)}; metadata values must be strings.");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Fail(path, $"'{MetadataKey}' names '{entry.Name}' twice.");
        }
    }

    private static SafeTensorInfo ReadTensor(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(path, $"tensor '{name}' is a JSON {Kind(value)}, not an object with dtype, shape and data_offsets.");

        if (!value.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Fail(path, $"tensor '{name}' has no \"dtype\" string.");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryParse(dtypeName, out SafeTensorsDType dtype))
            throw Fail(path, $"tensor '{name}' has unknown dtype '{dtypeName}'.");

        long[] shape = ReadNaturals(value, "shape", name, path, exactLength: null);
        long[] offsets = ReadNaturals(value, "data_offsets", name, path, exactLength: 2);
        return new SafeTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadNaturals(JsonElement tensor, string property, string name, string path, int? exactLength)
    {
        string expected = exactLength is int n ? $"an array of {n} non-negative integers" : "an array of non-negative integers";
        if (!tensor.TryGetProperty(property, out JsonElement array) || array.ValueKind != JsonValueKind.Array
            || exactLength is int length && array.GetArrayLength() != length)
            throw Fail(path, $"tensor '{name}' has no \"{property}\" that is {expected}.");

        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            // Offsets and dimensions are usize in the reference; a file length fits in a long, so
            // anything larger is out of range anyway.
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw Fail(path, $"tensor '{name}' has \"{property}\" {item.GetRawText()} at index {i}, which is not {(exactLength is null ? "a dimension" : "an offset")} (a non-negative integer below 2^63).");
            values[i++] = v;
        }
        return values;
    }

    private static void ValidateLayout(List<SafeTensorInfo> tensors, long dataLength, string path)
    {
        foreach (SafeTensorInfo t in tensors)
        {
            if (t.End > dataLength || t.Begin > t.End)
                throw Fail(path,
                    $"tensor '{t.Name}' has data_offsets [{t.Begin},{t.End}], outside the {dataLength:N0} bytes of data that follow the header.");

            long elements = 1;
            try
            {
                foreach (long dimension in t.Shape) elements = checked(elements * dimension);
                long bytes = checked(elements * t.DType.Size());
                if (bytes != t.End - t.Begin)
                    throw Fail(path,
                        $"tensor '{t.Name}' is {t.DType.HeaderName()} {t.ShapeText}, {bytes:N0} bytes, but its data_offsets [{t.Begin},{t.End}] span {t.End - t.Begin:N0}.");
            }
            catch (OverflowException)
            {
                throw Fail(path, $"tensor '{t.Name}' has shape {t.ShapeText}, whose size in bytes overflows.");
            }
        }

        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long next = 0;
        string? previous = null;
        foreach (SafeTensorInfo t in tensors)
        {
            if (t.Begin != next)
            {
                string previousEnd = previous is null ? "the header" : FormattableString.Invariant($"'{previous}', which ends at {next:N0}");
                string relation = t.Begin < next ? $"overlaps {previousEnd}" : $"leaves a gap after {previousEnd}";
                throw Fail(path,
                    $"tensor '{t.Name}' starts at data byte {t.Begin:N0} and {relation}; tensors must tile the data exactly.");
            }
            next = t.End;
            previous = t.Name;
        }
        if (next != dataLength)
            throw Fail(path,
                $"the tensors cover {next:N0} bytes of data, but {dataLength:N0} bytes follow the header; the data must end where the last tensor ends.");
    }

    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence, or -1.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != OperationStatus.Done) return offset;
            offset += consumed;
        }
        return -1;
    }

    /// <summary>An exception whose numbers read the same in every culture.</summary>
    private static SafeTensorsFormatException Fail(string path, FormattableString detail, Exception? inner = null) =>
        new(path, FormattableString.Invariant(detail), inner);

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture);
}

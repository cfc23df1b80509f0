using System.Buffers.Binary;
using Xunit;

namespace Cnn.IO.Tests;

/// <summary>The reader refuses every malformed or hostile file with a message naming the file, before allocating what the file claims.</summary>
public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private const string W = "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],";

    public static TheoryData<string, string, int, string> MalformedHeaders() => new()
    {
        { "not-json", "{\"w\": [", 0, "not valid JSON" },
        { "not-an-object", "[1,2]", 0, "is a JSON array, not an object" },
        { "unknown-dtype", "{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "unknown dtype 'Q7'" },
        { "no-shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, "no \"shape\"" },
        { "negative-offset", "{" + W + "\"data_offsets\":[-16,0]}}", 16, "not an offset" },
        { "fractional-dimension", "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 10, "not a dimension" },
        { "three-offsets", "{" + W + "\"data_offsets\":[0,8,16]}}", 16, "array of 2 non-negative integers" },
        { "out-of-range", "{" + W + "\"data_offsets\":[0,1099511627776]}}", 16, "outside the 16 bytes of data" },
        { "size-mismatch", "{" + W + "\"data_offsets\":[0,12]}}", 12, "F32 [2,2], 16 bytes, but its data_offsets [0,12] span 12" },
        { "overlap", "{" + W + "\"data_offsets\":[0,16]},\"v\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24, "'v' starts at data byte 8 and overlaps 'w'" },
        { "gap", "{" + W + "\"data_offsets\":[0,16]},\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]}}", 24, "'v' starts at data byte 20 and leaves a gap" },
        { "gap-at-start", "{" + W + "\"data_offsets\":[4,20]}}", 20, "leaves a gap after the header" },
        { "trailing-bytes", "{" + W + "\"data_offsets\":[0,16]}}", 20, "the tensors cover 16 bytes of data, but 20 bytes follow" },
        { "overflowing-shape", "{\"w\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "overflows" },
        { "duplicate-name", "{" + W + "\"data_offsets\":[0,16]}," + W + "\"data_offsets\":[16,32]}}", 32, "names 'w' twice" },
        { "metadata-number", "{\"__metadata__\":{\"epochs\":3}}", 0, "metadata values must be strings" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void Open_RejectsAMalformedHeader_NamingTheFileAndTheProblem(string name, string header, int dataLength, string expected)
    {
        string path = _files.Write(name + ".safetensors", SafeTensorsTestFiles.Assemble(header, dataLength));
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Open_RejectsAHeaderThatIsNotUtf8_AtItsOffset()
    {
        byte[] header = "{\"w?\":{}}"u8.ToArray();
        header[3] = 0xFF;
        string path = _files.Write("latin1.safetensors", SafeTensorsTestFiles.Assemble(header, []));
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains("not valid UTF-8 (byte offset 11)", error.Message);
    }

    [Fact]
    public void Open_RejectsAFileShorterThanTheLengthField()
    {
        string path = _files.Write("short.safetensors", [1, 2, 3]);
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Contains("3 bytes long, shorter than the 8-byte header length", error.Message);
    }

    [Fact]
    public void Open_RejectsAHeaderLengthBeyondTheFile_WithoutAllocatingIt()
    {
        string path = _files.Write("huge-header.safetensors", SafeTensorsTestFiles.Assemble("{}", 0, declaredLength: 1UL << 40));
        AssertRejectedCheaply(path, "declare a header of 1,099,511,627,776 bytes, but only 8 bytes follow them");

        path = _files.Write("max-header.safetensors", SafeTensorsTestFiles.Assemble("{}", 0, declaredLength: ulong.MaxValue));
        AssertRejectedCheaply(path, "only 8 bytes follow them");
    }

    [Fact]
    public void Open_RejectsAHeaderOverTheFormatsLimit_WithoutAllocatingIt()
    {
        // A sparse file: long enough that only the 100 MB limit can refuse it, yet cheap to make.
        string path = _files.PathOf("sparse.safetensors");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, 100_000_008);
            stream.Write(prefix);
            stream.SetLength(8 + 100_000_008);
        }
        AssertRejectedCheaply(path, "more than the 100,000,000 the format allows");
    }

    [Fact]
    public void Open_RejectsOffsetsBeyondTheFile_WithoutAllocatingThem()
    {
        string path = _files.Write("huge-tensor.safetensors",
            SafeTensorsTestFiles.Assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[274877906944],\"data_offsets\":[0,1099511627776]}}", 16));
        AssertRejectedCheaply(path, "outside the 16 bytes of data");
    }

    private static void AssertRejectedCheaply(string path, string expected)
    {
        // Once to load and JIT everything on the path, then measured.
        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path).Dispose());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.InRange(allocated, 0, 1 << 20);
    }

    public static TheoryData<string> ConvertibleDTypes() => new() { "F32", "F64", "F16", "BF16", "I64", "I32" };

    [Theory]
    [MemberData(nameof(ConvertibleDTypes))]
    public void ReadAsSingle_ConvertsEveryNumericDType(string dtype)
    {
        // Values exactly representable in every one of the types, so the comparison can be exact.
        float[] values = dtype.StartsWith('I') ? [0, -3, 7, 123456, -65536] : [0, -1.5f, 0.25f, 96, -2048];
        byte[] file = SafeTensorsTestFiles.Build(
            [new TestTensor("t", dtype, [values.Length], SafeTensorsTestFiles.Encode(dtype, values))],
            new Dictionary<string, string> { ["k"] = "v" });
        using SafeTensorsFile reader = SafeTensorsFile.Open(_files.Write(dtype + ".safetensors", file));

        SafeTensorInfo tensor = Assert.Single(reader.Tensors);
        Assert.Equal(dtype, tensor.DType.HeaderName());
        var read = new float[values.Length];
        reader.ReadAsSingle(tensor, read);
        Assert.Equal(values, read);
        Assert.Equal("v", reader.Metadata["k"]);
    }

    [Fact]
    public void ReadAsSingle_ReadsTensorsLargerThanOneChunk()
    {
        float[] values = Enumerable.Range(0, 50_000).Select(i => (float)(i % 2048) - 1024).ToArray();
        byte[] file = SafeTensorsTestFiles.Build(
        [
            new TestTensor("a", "F16", [values.Length], SafeTensorsTestFiles.Encode("F16", values)),
            new TestTensor("b", "F32", [100, 500], SafeTensorsTestFiles.Encode("F32", values)),
        ]);
        using SafeTensorsFile reader = SafeTensorsFile.Open(_files.Write("large.safetensors", file));
        var read = new float[values.Length];
        foreach (string name in new[] { "a", "b" })
        {
            Array.Clear(read);
            Assert.True(reader.TryGetTensor(name, out SafeTensorInfo? tensor));
            reader.ReadAsSingle(tensor, read);
            Assert.Equal(values, read);
        }
    }

    [Fact]
    public void ReadAsSingle_RefusesNonNumericDTypesAndWrongLengths()
    {
        byte[] file = SafeTensorsTestFiles.Build([new TestTensor("mask", "U8", [3], [1, 0, 1]), new TestTensor("w", "F32", [1], new byte[4])]);
        using SafeTensorsFile reader = SafeTensorsFile.Open(_files.Write("u8.safetensors", file));
        Assert.Equal([0L, 3L], reader.Tensors.Select(t => t.Begin));
        Assert.Throws<NotSupportedException>(() => reader.ReadAsSingle(reader.Tensors[0], new float[3]));
        Assert.Throws<ArgumentException>(() => reader.ReadAsSingle(reader.Tensors[1], new float[2]));
        var raw = new byte[3];
        reader.ReadBytes(reader.Tensors[0], raw);
        Assert.Equal([1, 0, 1], raw);
    }
}

using System.Buffers.Binary;
using Xunit;

namespace Cnn.IO.Tests;

/// <summary>The writer lays files out byte for byte as the reference implementation (huggingface/safetensors) does.</summary>
public sealed class SafeTensorsWriterTests : IDisposable
{
    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static byte[] Bytes(SafeTensorsWriter writer)
    {
        using var stream = new MemoryStream();
        writer.WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public void WriteTo_MatchesTheReferenceBytes_ForAPaddedHeader()
    {
        // The reference's test_serialization_forced_alignement: a 65-byte header padded with 7 spaces.
        var writer = new SafeTensorsWriter().AddSingle("attn0", [1, 1, 2, 3], new float[] { 0, 1, 2, 3, 4, 5 });
        byte[] expected =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(expected, Bytes(writer));
    }

    [Fact]
    public void WriteTo_MatchesTheReferenceBytes_ForMetadataAlone()
    {
        // The reference's test_empty: no tensors, then only {"framework": "pt"}.
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], Bytes(new SafeTensorsWriter()));

        var writer = new SafeTensorsWriter();
        writer.Metadata["framework"] = "pt";
        byte[] expected =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(expected, Bytes(writer));
    }

    [Fact]
    public void WriteTo_OrdersTensorsByAlignmentThenName_SoEveryTensorIsAligned()
    {
        var writer = new SafeTensorsWriter()
            .AddSingle("b", [3], new float[] { 1, 2, 3 })
            .AddInt64("z.count", [], new long[] { 7 })
            .AddSingle("a", [1], new float[] { 4 });
        byte[] file = Bytes(writer);

        var parsed = SafeTensorsTestFiles.ParseByReferenceRules(file);
        Assert.Equal(0, parsed.HeaderLength % 8);
        Assert.Equal(["z.count", "a", "b"], parsed.Tensors.Select(t => t.Name));
        Assert.Equal("I64", parsed.Tensors[0].DType);
        Assert.Empty(parsed.Tensors[0].Shape);
        Assert.Equal(7, BinaryPrimitives.ReadInt64LittleEndian(parsed.Tensors[0].Data));
        Assert.Equal(SafeTensorsTestFiles.Encode("F32", [4, 1, 2, 3]), parsed.Tensors[1].Data.Concat(parsed.Tensors[2].Data));
    }

    [Fact]
    public void Add_RejectsDuplicateNamesAndShapesThatDoNotFitTheValues()
    {
        var writer = new SafeTensorsWriter().AddSingle("w", [2], new float[2]);
        Assert.Contains("already", Assert.Throws<ArgumentException>(() => writer.AddSingle("w", [2], new float[2])).Message);
        Assert.Contains("shape [2,3] (6 elements) but 5 values", Assert.Throws<ArgumentException>(() => writer.AddSingle("x", [2, 3], new float[5])).Message);
        Assert.Throws<ArgumentException>(() => writer.AddSingle("__metadata__", [1], new float[1]));
    }

    [Fact]
    public void Save_WritesTheSameBytesAsWriteTo()
    {
        var writer = new SafeTensorsWriter().AddSingle("w", [2, 2], new float[] { 1, -2, 3.5f, 0 });
        writer.Metadata["format"] = "pt";
        string path = _files.PathOf("w.safetensors");
        writer.Save(path);
        Assert.Equal(Bytes(writer), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_files.Directory));
    }
}

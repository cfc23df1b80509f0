using Xunit;

namespace Cnn.Data.Tests;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ImagesFile_ReturnsDimensionsAndBytesExactly(bool gzip)
    {
        byte[] pixels = IdxTestFiles.RandomBytes(7 * 5 * 3, seed: 11);
        string path = _files.Write("images", IdxTestFiles.Build(0x803, [7, 5, 3], pixels), gzip);

        IdxArray array = IdxReader.Read(path, expectedRank: 3);

        Assert.Equal([7, 5, 3], array.Dimensions);
        Assert.Equal(7, array.Count);
        Assert.Equal(7, array.DeclaredCount);
        Assert.Equal(15, array.ItemSize);
        Assert.Equal(16, array.DataOffset);
        Assert.Equal(gzip, array.IsCompressed);
        Assert.Equal(pixels, array.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_LabelsFile_ReturnsBytesExactly(bool gzip)
    {
        byte[] labels = IdxTestFiles.RandomBytes(1000, seed: 12);
        string path = _files.Write("labels", IdxTestFiles.Build(0x801, [1000], labels), gzip);

        IdxArray array = IdxReader.Read(path, expectedRank: 1);

        Assert.Equal([1000], array.Dimensions);
        Assert.Equal(8, array.DataOffset);
        Assert.Equal(labels, array.Data);
    }

    [Fact]
    public void Read_LargeGzipFile_GrowsBufferToExactSize()
    {
        // Larger than the first gzip buffer (1 MiB), so the doubling path runs.
        byte[] pixels = IdxTestFiles.RandomBytes(3_000_000, seed: 13);
        string path = _files.Write("big.gz", IdxTestFiles.Build(0x803, [3000, 1000, 1], pixels), gzip: true);

        IdxArray array = IdxReader.Read(path);

        Assert.Equal(pixels.Length, array.Data.Length);
        Assert.Equal(pixels, array.Data);
    }

    [Fact]
    public void Read_DetectsGzipByMagicNotByExtension()
    {
        byte[] pixels = IdxTestFiles.RandomBytes(2 * 4 * 4, seed: 14);
        byte[] idx = IdxTestFiles.Build(0x803, [2, 4, 4], pixels);
        string gzipNamedRaw = _files.Write("images.idx3-ubyte", idx, gzip: true);
        string rawNamedGzip = _files.Write("images.idx3-ubyte.gz", idx, gzip: false);

        IdxArray fromGzip = IdxReader.Read(gzipNamedRaw);
        IdxArray fromRaw = IdxReader.Read(rawNamedGzip);

        Assert.True(fromGzip.IsCompressed);
        Assert.False(fromRaw.IsCompressed);
        Assert.Equal(pixels, fromGzip.Data);
        Assert.Equal(pixels, fromRaw.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_WithLimit_ReadsOnlyTheFirstItems(bool gzip)
    {
        byte[] pixels = IdxTestFiles.RandomBytes(10 * 3 * 2, seed: 15);
        string path = _files.Write("images", IdxTestFiles.Build(0x803, [10, 3, 2], pixels), gzip);

        IdxArray array = IdxReader.Read(path, expectedRank: 3, limit: 4);

        Assert.Equal([4, 3, 2], array.Dimensions);
        Assert.Equal(10, array.DeclaredCount);
        Assert.Equal(pixels.AsSpan(0, 24).ToArray(), array.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_WrongMagic_NamesFileOffsetExpectedAndFound(bool gzip)
    {
        string path = _files.Write("not-idx", IdxTestFiles.Build(0x12345678, [1], [0]), gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(0, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains("byte offset 0", error.Message);
        Assert.Contains("0x00000803", error.Message);
        Assert.Contains("found 0x12345678", error.Message);
    }

    [Fact]
    public void Read_LabelsFileWhereImagesExpected_ReportsMagicMismatch()
    {
        string path = _files.Write("train-labels-idx1-ubyte", IdxTestFiles.Build(0x801, [3], [1, 2, 3]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Equal(0, error.Offset);
        Assert.Contains("train-labels-idx1-ubyte", error.Message);
        Assert.Contains("expected IDX magic number 0x00000803 (uint8, 3 dimensions), found 0x00000801 (uint8, 1 dimension)", error.Message);
    }

    [Fact]
    public void Read_FloatElements_ReportsUnsupportedTypeAtOffset2()
    {
        string path = _files.Write("floats", IdxTestFiles.Build(0xD01, [1], [0, 0, 0, 0]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(2, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains("byte offset 2", error.Message);
        Assert.Contains("unsupported IDX element type 0x0D (float32)", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Read_NonPositiveDimension_NamesDimensionAndOffset(int height)
    {
        string path = _files.Write("images", IdxTestFiles.Build(0x803, [2, height, 4], []));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(8, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains($"dimension 1 of 3 is {height}; expected a positive size", error.Message);
    }

    [Fact]
    public void Read_TruncatedHeader_NamesWhereTheFileEnds()
    {
        byte[] full = IdxTestFiles.Build(0x803, [2, 3, 4], new byte[24]);
        string path = _files.Write("images", full[..10]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(10, error.Offset);
        Assert.Contains("expected dimension 1 of 3 (a big-endian int32) at offset 8, but the file ends at offset 10", error.Message);
    }

    [Fact]
    public void Read_TruncatedRawImages_NamesExpectedBytesAndWhereTheFileEnds()
    {
        byte[] full = IdxTestFiles.Build(0x803, [60000, 28, 28], new byte[1000 - 16]);
        string path = _files.Write("train-images-idx3-ubyte", full);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(1000, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains("expected 47040000 bytes of data (60000 × 28 × 28 uint8) from offset 16, but the file ends at offset 1000", error.Message);
    }

    [Fact]
    public void Read_TruncatedRawFileWithLimit_StillFails()
    {
        // The limit only needs 2 items, but a raw file's length shows that the rest is missing.
        byte[] full = IdxTestFiles.Build(0x803, [10, 2, 2], new byte[40]);
        string path = _files.Write("images", full[..30]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, limit: 2));

        Assert.Equal(30, error.Offset);
        Assert.Contains("expected 40 bytes of data (10 × 2 × 2 uint8) from offset 16", error.Message);
    }

    [Fact]
    public void Read_TruncatedGzipData_FailsAtTheDecompressedEnd()
    {
        // The gzip stream is complete but holds fewer pixels than the header declares.
        byte[] idx = IdxTestFiles.Build(0x803, [100, 10, 10], IdxTestFiles.RandomBytes(9984, seed: 16));
        string path = _files.Write("images.gz", idx[..5000], gzip: true);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(5000, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains("expected 10000 bytes of data (100 × 10 × 10 uint8) from offset 16, but the decompressed data ends at offset 5000", error.Message);
        Assert.Contains("decompressed", error.Message);
    }

    [Fact]
    public void Read_CutGzipFile_FailsNamingFileAndOffset()
    {
        // The compressed file itself is cut, mid-deflate-stream.
        byte[] idx = IdxTestFiles.Build(0x803, [100, 10, 10], IdxTestFiles.RandomBytes(10000, seed: 17));
        byte[] gzip = IdxTestFiles.Gzip(idx);
        string path = _files.Write("images.gz", gzip[..(gzip.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(path, error.FilePath);
        Assert.InRange(error.Offset, 16, idx.Length - 1);
        Assert.Contains(path, error.Message);
        Assert.Contains($"byte offset {error.Offset}", error.Message);
    }

    [Fact]
    public void Read_CorruptGzipFile_WrapsTheDecompressionErrorWithFileAndOffset()
    {
        // Small symbols compress with Huffman codes, so flipped bytes break the deflate stream or its CRC.
        byte[] symbols = IdxTestFiles.RandomBytes(200_000, seed: 18).Select(b => (byte)(b & 3)).ToArray();
        byte[] gzip = IdxTestFiles.Gzip(IdxTestFiles.Build(0x803, [2000, 10, 10], symbols));
        for (int i = gzip.Length / 2; i < gzip.Length / 2 + 16; i++)
            gzip[i] ^= 0x5A;
        string path = _files.Write("images.gz", gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.IsType<InvalidDataException>(error.InnerException);
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Contains($"the gzip stream is corrupt within 65536 bytes after decompressed offset {error.Offset}", error.Message);
    }

    [Fact]
    public void Read_GzipHeaderDeclaringAGigabyte_FailsWithoutAllocatingIt()
    {
        byte[] idx = IdxTestFiles.Build(0x803, [1000, 1000, 1000], new byte[100]);
        string path = _files.Write("liar.gz", idx, gzip: true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, error.Offset);
        Assert.Contains("1000000000 bytes of data", error.Message);
        Assert.True(allocated < 16 << 20, $"Allocated {allocated} bytes for a 116-byte stream.");
    }

    [Fact]
    public void Read_GzipDeclaringMoreThanDeflateCanExpandTo_FailsBeforeAllocatingTheData()
    {
        // 2 MB declared from a file of a few hundred bytes: deflate expands at most 1032:1.
        byte[] idx = IdxTestFiles.Build(0x803, [2000, 1000, 1], IdxTestFiles.RandomBytes(200, seed: 19));
        string path = _files.Write("bomb.gz", idx, gzip: true);
        long compressed = new FileInfo(path).Length;

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains($"a gzip file of {compressed} bytes", error.Message);
        Assert.True(allocated < 512 << 10, $"Allocated {allocated} bytes for a {compressed}-byte file.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void Read_GzipWithCutTrailer_FailsNamingTheTrailer(int cut)
    {
        byte[] gzip = IdxTestFiles.Gzip(IdxTestFiles.Build(0x803, [100, 10, 10], IdxTestFiles.RandomBytes(10000, seed: 20)));
        string path = _files.Write("cut-trailer.gz", gzip[..^cut]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Contains("gzip trailer", error.Message);
    }

    [Theory]
    [InlineData(31UL)]
    [InlineData(32UL)]
    [InlineData(33UL)]
    [InlineData(34UL)]
    [InlineData(35UL)]
    [InlineData(36UL)]
    public void Read_GzipWithTheLastThirdOfItsDeflateBytesReplaced_Fails(ulong seed)
    {
        // Sparse pixels compress with Huffman codes; random bytes in the last third can still decode to
        // the declared size, and only the trailer's CRC-32 and length show that the data is wrong.
        var random = new SeededRandom(seed);
        byte[] pixels = new byte[200_000];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = random.NextInt(8) == 0 ? (byte)random.NextInt(256) : (byte)0;
        byte[] gzip = IdxTestFiles.Gzip(IdxTestFiles.Build(0x803, [2000, 10, 10], pixels));
        IdxTestFiles.RandomBytes(gzip.Length - 2 * gzip.Length / 3, seed + 100).CopyTo(gzip, 2 * gzip.Length / 3);
        string path = _files.Write("third.gz", gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Read_GzipWithBytesAppended_Fails()
    {
        byte[] gzip = IdxTestFiles.Gzip(IdxTestFiles.Build(0x801, [1000], IdxTestFiles.RandomBytes(1000, seed: 23)));
        string path = _files.Write("appended.gz", [.. gzip, 1, 2, 3]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("gzip trailer", error.Message);
    }

    [Fact]
    public void Read_GzipWithZeroPaddingAfterTheTrailer_Loads()
    {
        // gzip and Python's gzip module accept zero padding (from tape blocks or tar) after a member.
        byte[] labels = IdxTestFiles.RandomBytes(1000, seed: 24);
        byte[] gzip = IdxTestFiles.Gzip(IdxTestFiles.Build(0x801, [1000], labels));
        string path = _files.Write("padded.gz", [.. gzip, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        Assert.Equal(labels, IdxReader.Read(path).Data);
    }

    [Fact]
    public void Read_ConcatenatedGzipMembers_Load()
    {
        // `cat a.gz b.gz` is a valid gzip file; the reader sees one stream and checks the last trailer.
        byte[] idx = IdxTestFiles.Build(0x801, [3000], IdxTestFiles.RandomBytes(3000, seed: 25));
        string path = _files.Write("members.gz", [.. IdxTestFiles.Gzip(idx[..1234]), .. IdxTestFiles.Gzip(idx[1234..])]);

        Assert.Equal(idx[8..], IdxReader.Read(path).Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_DataBeyondTheDeclaredSize_FailsAtTheFirstExtraByte(bool gzip)
    {
        byte[] idx = IdxTestFiles.Build(0x803, [10, 2, 2], IdxTestFiles.RandomBytes(45, seed: 26));
        string path = _files.Write("extra", idx, gzip);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Equal(16 + 40, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains("after the 40 bytes of data", error.Message);
    }

    [Fact]
    public void Read_Directory_ThrowsFileNotFoundSayingItIsADirectory()
    {
        string path = Path.Combine(_files.Directory, "train-images-idx3-ubyte");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains(path, error.Message);
        Assert.Contains("is a directory", error.Message);
    }

    [Fact]
    public void Read_RawHeaderDeclaringAGigabyte_FailsWithoutAllocatingIt()
    {
        string path = _files.Write("liar", IdxTestFiles.Build(0x803, [1000, 1000, 1000], new byte[100]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(116, error.Offset);
        Assert.True(allocated < 1 << 20, $"Allocated {allocated} bytes for a 116-byte file.");
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingThePath()
    {
        string path = Path.Combine(_files.Directory, "absent-idx3-ubyte");

        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.Contains("absent-idx3-ubyte", error.Message);
    }
}

using System.Buffers.Binary;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.Data.Tests;

/// <summary>
/// Mutations of valid raw and gzip IDX files, each read by <see cref="IdxReader"/>: every outcome must
/// be a load that is exactly what the bytes say, or a <see cref="DataFormatException"/> naming the file.
/// Nothing may load silently wrong, and no other exception may escape.
/// </summary>
public sealed class IdxFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly IdxTestFiles _files = new();
    private int _cases, _loaded;

    public void Dispose() => _files.Dispose();

    /// <summary>Sparse pixels, as MNIST's, so that gzip codes them with Huffman tables rather than storing them.</summary>
    private static byte[] Pixels(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        var pixels = new byte[count];
        for (int i = 0; i < count; i++)
            pixels[i] = random.NextInt(4) == 0 ? (byte)random.NextInt(256) : (byte)0;
        return pixels;
    }

    private static IEnumerable<FileMutations.Mutation> HeaderLies(byte[] idx)
    {
        int rank = idx[3];
        foreach (uint magic in new uint[] { 0, 0x801, 0x803, 0x804, 0x8FF, 0x900 | (uint)rank, 0xD00 | (uint)rank, 0x01000800 | (uint)rank, 0xFFFFFFFF })
        {
            byte[] bytes = (byte[])idx.Clone();
            BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
            yield return new($"magic 0x{magic:X8}", bytes);
        }
        for (int d = 0; d < rank; d++)
        {
            int actual = BinaryPrimitives.ReadInt32BigEndian(idx.AsSpan(4 + 4 * d));
            foreach (int value in new[] { 0, -1, 1, actual - 1, actual + 1, 2 * actual, 65536, 1 << 24, int.MaxValue, int.MinValue })
            {
                byte[] bytes = (byte[])idx.Clone();
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), value);
                yield return new($"dimension {d} set to {value}", bytes);
            }
        }
    }

    private void Check(string name, byte[] file, byte[]? expectedIdx, bool gzip)
    {
        _cases++;
        string path = _files.Write($"case-{_cases}{(gzip ? ".gz" : "")}", file);
        IdxArray array;
        try
        {
            array = IdxReader.Read(path);
        }
        catch (DataFormatException e)
        {
            Assert.True(e.FilePath == path && e.Message.Contains(path), $"{name}: the error does not name the file: {e.Message}");
            File.Delete(path);
            return;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: {e.GetType().Name} instead of a DataFormatException: {e.Message}");
            return;
        }

        _loaded++;
        File.Delete(path);
        // A raw file is what its bytes say: the whole rest of the file is the declared data.
        byte[] raw = expectedIdx ?? file;
        Assert.True(array.DataOffset + array.Data.Length == raw.Length, $"{name}: loaded {array.Data.Length} bytes from offset {array.DataOffset} of a {raw.Length}-byte IDX stream");
        Assert.True(raw.AsSpan((int)array.DataOffset).SequenceEqual(array.Data), $"{name}: the data loaded is not the file's");
        long product = 1;
        foreach (int d in array.Dimensions)
            product *= d;
        Assert.Equal(array.Data.Length, product);
    }

    [Fact]
    public void RawMutations_LoadExactlyOrFailNamingTheFile()
    {
        foreach (byte[] idx in new[] { IdxTestFiles.Build(0x803, [12, 7, 5], Pixels(12 * 35, 1)), IdxTestFiles.Build(0x801, [40], Pixels(40, 2)) })
        {
            IEnumerable<FileMutations.Mutation> mutations = FileMutations.Truncations(idx)
                .Concat(HeaderLies(idx))
                .Concat(FileMutations.ByteValues(idx, 0, 4 + 4 * idx[3], 0x00, 0x01, 0x7F, 0x80, 0xFF))
                .Concat(FileMutations.BitFlips(idx, 200, seed: 3))
                .Concat(FileMutations.RangeOverwrites(idx, 100, seed: 4))
                .Concat(FileMutations.Appended(idx, seed: 5));
            foreach (var (name, bytes) in mutations)
                Check("raw " + name, bytes, expectedIdx: null, gzip: false);
        }
        output.WriteLine($"IDX raw: {_cases} cases, {_loaded} loaded, {_cases - _loaded} DataFormatExceptions naming the file");
    }

    [Fact]
    public void GzipMutations_LoadTheOriginalOrFailNamingTheFile()
    {
        foreach (byte[] idx in new[] { IdxTestFiles.Build(0x803, [40, 10, 10], Pixels(4000, 6)), IdxTestFiles.Build(0x801, [300], Pixels(300, 7)) })
        {
            byte[] gzip = IdxTestFiles.Gzip(idx);
            // Mutations of the compressed bytes: whatever loads must be the original, which the trailer's CRC-32 guarantees.
            IEnumerable<FileMutations.Mutation> compressed = FileMutations.Truncations(gzip)
                .Concat(FileMutations.BitFlips(gzip, 300, seed: 8))
                .Concat(FileMutations.RangeOverwrites(gzip, 150, seed: 9))
                .Concat(Enumerable.Range(10, 10).SelectMany(seed => FileMutations.ThirdsReplaced(gzip, (ulong)seed)))
                .Concat(FileMutations.ByteValues(gzip, 0, 10, 0x00, 0x08, 0xFF))
                .Concat(FileMutations.Appended(gzip, seed: 11));
            foreach (var (name, bytes) in compressed)
                Check("gzip " + name, bytes, expectedIdx: idx, gzip: true);

            // Well-compressed lies: the IDX itself mutated, then compressed; whatever loads is what it says.
            IEnumerable<FileMutations.Mutation> inner = HeaderLies(idx)
                .Concat(FileMutations.Truncations(idx, step: 7))
                .Concat(FileMutations.Appended(idx, seed: 12));
            foreach (var (name, bytes) in inner)
                Check("gzip of IDX " + name, IdxTestFiles.Gzip(bytes), expectedIdx: bytes, gzip: true);
        }
        output.WriteLine($"IDX gzip: {_cases} cases, {_loaded} loaded, {_cases - _loaded} DataFormatExceptions naming the file");
    }
}

using System.Buffers.Binary;
using System.IO.Compression;

namespace Cnn.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number
/// <c>0x0000TTNN</c> (two zero bytes, element type TT, rank NN), NN big-endian int32 dimensions,
/// then the elements in row-major order. Only unsigned bytes (type 0x08) are supported, which is what
/// every MNIST-style data set uses. Files may be raw or gzip-compressed; gzip is recognised by its
/// 1F 8B magic, not by the file name.
/// </summary>
/// <remarks>
/// A header is never trusted with an allocation: a raw file's declared size is checked against the
/// file's length first, and a gzip file is decompressed into a buffer that grows only as data
/// arrives, so a lying or truncated header fails at the truncation instead of allocating gigabytes.
/// Errors are <see cref="DataFormatException"/>s naming the file and the byte offset; for gzip files
/// the offset counts bytes of the decompressed IDX stream.
/// </remarks>
public static class IdxReader
{
    /// <summary>The IDX element type code of unsigned bytes, the only one supported.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>The first buffer for a gzip file's data; it doubles up to the declared size.</summary>
    private const int InitialGzipBuffer = 1 << 20;

    /// <summary>The most requested per read, so that a corrupt gzip stream is located to within this many bytes.</summary>
    private const int ReadChunk = 1 << 16;

    /// <summary>
    /// Reads the IDX file at <paramref name="path"/>.
    /// </summary>
    /// <param name="path">A raw or gzip-compressed IDX file.</param>
    /// <param name="expectedRank">
    /// The number of dimensions the caller needs (1 for labels, 3 for images), checked as part of
    /// the magic number; null accepts any rank.
    /// </param>
    /// <param name="limit">
    /// Read at most this many items (entries of the first dimension). A gzip file is then only
    /// decompressed as far as needed, so truncation past the limit goes unnoticed.
    /// </param>
    /// <exception cref="DataFormatException">The file is not a well-formed uint8 IDX file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxArray Read(string path, int? expectedRank = null, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (expectedRank is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(expectedRank), expectedRank, "An IDX rank is between 1 and 255.");
        if (limit is < 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The item limit must not be negative.");

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (!IsGzip(file))
            return new Reader(path, file, file.Length, compressed: false).Read(expectedRank, limit);

        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return new Reader(path, gzip, fileLength: null, compressed: true).Read(expectedRank, limit);
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    /// <summary>The magic number of a uint8 IDX file of <paramref name="rank"/> dimensions.</summary>
    public static uint MagicFor(int rank) => (uint)(UnsignedByteType << 8 | rank);

    private static string TypeName(byte type) => type switch
    {
        0x08 => "uint8",
        0x09 => "int8",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "not an IDX type",
    };

    private static string Dimensions(int rank) => rank == 1 ? "1 dimension" : $"{rank} dimensions";

    /// <summary>Reads one stream front to back, tracking the offset for error messages.</summary>
    private sealed class Reader(string path, Stream stream, long? fileLength, bool compressed)
    {
        private long _offset;

        public IdxArray Read(int? expectedRank, int? limit)
        {
            Span<byte> word = stackalloc byte[4];
            if (Fill(word) < 4)
                throw Fail(_offset, $"expected a 4-byte IDX magic number at offset 0, but {Ends} at offset {_offset}");

            uint magic = BinaryPrimitives.ReadUInt32BigEndian(word);
            byte type = word[2];
            int rank = word[3];
            if (word[0] != 0 || word[1] != 0)
            {
                string expected = expectedRank is int r
                    ? $"0x{MagicFor(r):X8} (uint8, {Dimensions(r)})"
                    : "0x0000TTNN (two zero bytes, element type TT, rank NN)";
                throw Fail(0, $"expected IDX magic number {expected}, found 0x{magic:X8}; is this an IDX file?");
            }
            if (type != UnsignedByteType)
                throw Fail(2, $"unsupported IDX element type 0x{type:X2} ({TypeName(type)}); only 0x08 (uint8) is supported");
            if (expectedRank is int want && rank != want)
                throw Fail(0, $"expected IDX magic number 0x{MagicFor(want):X8} (uint8, {Dimensions(want)}), found 0x{magic:X8} (uint8, {Dimensions(rank)})");
            if (rank == 0)
                throw Fail(3, "the IDX rank is 0; expected at least 1 dimension");

            var dims = new int[rank];
            long itemSize = 1;
            for (int i = 0; i < rank; i++)
            {
                long at = 4 + 4L * i;
                if (Fill(word) < 4)
                    throw Fail(_offset, $"expected dimension {i} of {rank} (a big-endian int32) at offset {at}, but {Ends} at offset {_offset}");
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (dims[i] <= 0)
                    throw Fail(at, $"dimension {i} of {rank} is {dims[i]}; expected a positive size");
                if (i > 0 && (itemSize *= dims[i]) > Array.MaxLength)
                    throw Fail(at, $"items of {Shape(dims.AsSpan(1, i))} bytes are larger than the largest .NET array ({Array.MaxLength} bytes)");
            }

            long dataOffset = _offset;
            int declared = dims[0];
            long declaredBytes = declared * itemSize;
            // A raw file's length tells the truth before anything is allocated: check the whole
            // declared size, not only the part a limit asks for.
            if (fileLength is long length && length - dataOffset < declaredBytes)
                throw Truncated(declaredBytes, dims, dataOffset, length);

            int count = limit is int l ? Math.Min(l, declared) : declared;
            long total = count * itemSize;
            if (total > Array.MaxLength)
                throw Fail(4, $"{count} items of {itemSize} bytes are more than the largest .NET array ({Array.MaxLength} bytes); read fewer items with a limit");

            dims[0] = count;
            byte[] data = compressed ? ReadGrowing((int)total, dims, dataOffset) : ReadExact((int)total, dims, dataOffset);
            return new IdxArray(path, dims, declared, (int)itemSize, dataOffset, compressed, data);
        }

        private byte[] ReadExact(int total, int[] dims, long dataOffset)
        {
            byte[] data = GC.AllocateUninitializedArray<byte>(total);
            if (Fill(data) < total)
                throw Truncated(total, dims, dataOffset, _offset);
            return data;
        }

        /// <summary>
        /// Decompresses into a buffer that doubles as data arrives, so a header that lies about the
        /// size costs at most twice the bytes actually present.
        /// </summary>
        private byte[] ReadGrowing(int total, int[] dims, long dataOffset)
        {
            byte[] data = new byte[Math.Min(total, InitialGzipBuffer)];
            int filled = 0;
            while (true)
            {
                int read = Fill(data.AsSpan(filled));
                filled += read;
                if (filled < data.Length)
                    throw Truncated(total, dims, dataOffset, _offset);
                if (filled == total)
                    return data;
                Array.Resize(ref data, (int)Math.Min(total, 2L * data.Length));
            }
        }

        /// <summary>Reads until <paramref name="destination"/> is full or the stream ends; returns the bytes read.</summary>
        private int Fill(Span<byte> destination)
        {
            int filled = 0;
            try
            {
                while (filled < destination.Length)
                {
                    int read = stream.Read(destination.Slice(filled, Math.Min(ReadChunk, destination.Length - filled)));
                    if (read == 0)
                        break;
                    filled += read;
                    _offset += read;
                }
            }
            catch (InvalidDataException e)
            {
                throw Fail(_offset, $"the gzip stream is corrupt within {ReadChunk} bytes after decompressed offset {_offset} ({e.Message})", e);
            }
            return filled;
        }

        private string Ends => compressed ? "the decompressed data ends" : "the file ends";

        private DataFormatException Truncated(long bytes, int[] dims, long dataOffset, long end) =>
            Fail(end, $"expected {bytes} bytes of data ({Shape(dims)} uint8) from offset {dataOffset}, but {Ends} at offset {end}");

        private DataFormatException Fail(long offset, string detail, Exception? inner = null) =>
            new(path, offset, compressed ? detail + " (gzip file: offsets count decompressed bytes)" : detail, inner);

        private static string Shape(ReadOnlySpan<int> dims)
        {
            var parts = new string[dims.Length];
            for (int i = 0; i < dims.Length; i++)
                parts[i] = dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            return string.Join(" × ", parts);
        }
    }
}

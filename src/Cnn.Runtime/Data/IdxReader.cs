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
/// <para>Reading is strict, as torchvision's: the data must be exactly the size the header declares,
/// with no bytes after it, and a gzip file is read to its end so that its trailer (CRC-32 and length)
/// is checked against the decompressed bytes. .NET's <see cref="GZipStream"/> checks a trailer that is
/// there but says nothing when it is cut off, has bytes appended, or is never reached, so the reader
/// checks the trailer itself. Zero bytes after the trailer are allowed, as gzip and Python allow them.</para>
/// <para>A header is never trusted with an allocation: a raw file's declared size is checked against
/// the file's length first; a gzip file's against the most its compressed length can expand to
/// (deflate expands at most 1032:1), and it is then decompressed into a buffer that grows only as
/// data arrives.</para>
/// <para>Errors are <see cref="DataFormatException"/>s naming the file and the byte offset; for gzip
/// files the offset counts bytes of the decompressed IDX stream.</para>
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
    /// The most bytes one compressed byte can become: deflate's longest match (258 bytes) coded in two
    /// bits. A header declaring more than this times the file's length is lying.
    /// </summary>
    internal const long MaxDeflateRatio = 1032;

    /// <summary>How many zero bytes of padding after the gzip trailer are looked through.</summary>
    private const int MaxZeroPadding = 4096;

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
    /// decompressed as far as needed, so corruption past the limit, and the trailer, go unchecked.
    /// </param>
    /// <exception cref="DataFormatException">
    /// The file is not a well-formed uint8 IDX file (wrong magic, sizes, truncated, bytes after the
    /// data, a corrupt gzip stream or trailer), or it cannot be read.
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory.</exception>
    public static IdxArray Read(string path, int? expectedRank = null, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (expectedRank is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(expectedRank), expectedRank, "An IDX rank is between 1 and 255.");
        if (limit is < 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The item limit must not be negative.");

        using FileStream file = DataFile.OpenRead(path, "IDX file");
        if (!IsGzip(path, file))
            return new Reader(path, file, file, compressed: false).Read(expectedRank, limit);

        using var gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
        return new Reader(path, gzip, file, compressed: true).Read(expectedRank, limit);
    }

    private static bool IsGzip(string path, FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        try
        {
            int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        }
        catch (IOException e)
        {
            throw DataFile.ReadError(path, 0, e);
        }
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

    /// <summary>
    /// Reads one stream front to back, tracking the offset for error messages and, for gzip files,
    /// the CRC-32 of the decompressed bytes.
    /// </summary>
    /// <param name="path">The file, for messages.</param>
    /// <param name="stream">The IDX bytes: the file itself, or the gzip stream over it.</param>
    /// <param name="file">The file, for its length and the gzip trailer.</param>
    /// <param name="compressed">Whether <paramref name="stream"/> decompresses <paramref name="file"/>.</param>
    private sealed class Reader(string path, Stream stream, FileStream file, bool compressed)
    {
        private long _offset;
        private uint _crc;

        public IdxArray Read(int? expectedRank, int? limit)
        {
            Span<byte> word = stackalloc byte[4];
            var header = new List<byte>(16);
            if (Fill(word) < 4)
                throw Fail(_offset, $"expected a 4-byte IDX magic number at offset 0, but {Ends} at offset {_offset}");

            header.AddRange(word);
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
                header.AddRange(word);
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (dims[i] <= 0)
                    throw Fail(at, $"dimension {i} of {rank} is {dims[i]}; expected a positive size");
                if (i > 0 && (itemSize *= dims[i]) > Array.MaxLength)
                    throw Fail(at, $"items of {Shape(dims.AsSpan(1, i))} bytes are larger than the largest .NET array ({Array.MaxLength} bytes)");
            }

            long dataOffset = _offset;
            int declared = dims[0];
            long declaredBytes = declared * itemSize;
            long length = FileLength();
            if (!compressed)
            {
                // A raw file's length tells the truth before anything is allocated: check the whole
                // declared size, not only the part a limit asks for.
                if (length - dataOffset < declaredBytes)
                    throw Truncated(declaredBytes, dims, dataOffset, length);
                if (length - dataOffset > declaredBytes)
                    throw Trailing(declaredBytes, dims, dataOffset, $"the file goes on to offset {length}");
            }
            else if (dataOffset + declaredBytes > MaxDeflateRatio * length)
            {
                throw Fail(4, $"the header declares {declaredBytes} bytes of data ({Shape(dims)} uint8), but a gzip file of {length} bytes " +
                    $"decompresses to at most {MaxDeflateRatio * length} (deflate expands at most {MaxDeflateRatio}:1); the header is wrong or the file is truncated");
            }

            int count = limit is int l ? Math.Min(l, declared) : declared;
            long total = count * itemSize;
            if (total > Array.MaxLength)
                throw Fail(4, $"{count} items of {itemSize} bytes are more than the largest .NET array ({Array.MaxLength} bytes); read fewer items with a limit");

            dims[0] = count;
            byte[] data = compressed ? ReadGrowing((int)total, dims, dataOffset) : ReadExact((int)total, dims, dataOffset);
            if (compressed && count == declared)
                CheckGzipEnd(header.ToArray(), data, dims, dataOffset);
            return new IdxArray(path, dims, declared, (int)itemSize, dataOffset, compressed, data);
        }

        private long FileLength()
        {
            try
            {
                return file.Length;
            }
            catch (IOException e)
            {
                throw DataFile.ReadError(path, 0, e);
            }
        }

        /// <summary>
        /// Reads the gzip stream to its end, which makes zlib check the trailers of all members, then
        /// checks the last trailer against the decompressed bytes: .NET stops silently where the
        /// file does, so a cut trailer, or bytes after the last member, are only found this way.
        /// </summary>
        private void CheckGzipEnd(byte[] header, byte[] data, int[] dims, long dataOffset)
        {
            Span<byte> probe = stackalloc byte[1];
            if (Fill(probe) > 0)
                throw Trailing(data.Length, dims, dataOffset, "the decompressed data goes on");

            long total = _offset;
            long length = FileLength();
            var tail = new byte[(int)Math.Min(length, 8 + MaxZeroPadding)];
            try
            {
                RandomAccess.Read(file.SafeFileHandle, tail, length - tail.Length);
            }
            catch (IOException e)
            {
                throw DataFile.ReadError(path, length - tail.Length, e);
            }

            for (int end = tail.Length; end >= 8; end--)
            {
                if (TrailerMatches(tail.AsSpan(end - 8, 8), total, header, data, lastMember: end == tail.Length))
                    return;
                if (tail[end - 1] != 0)
                    break; // only zero padding may follow the trailer
            }

            string found = tail.Length < 8
                ? $"the file has only {length} bytes"
                : $"the file's last 8 bytes say CRC-32 0x{BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(tail.Length - 8)):X8}, " +
                  $"length {BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(tail.Length - 4))}";
            throw Fail(total, $"the gzip trailer does not match the {total} decompressed bytes (CRC-32 0x{_crc:X8}): {found}; " +
                "the file is truncated, has bytes appended, or is corrupt");
        }

        /// <summary>
        /// Whether <paramref name="trailer"/> (CRC-32 and length mod 2³², little-endian) describes the
        /// decompressed bytes, or, for a file of several gzip members, its last member's share of them.
        /// </summary>
        private bool TrailerMatches(ReadOnlySpan<byte> trailer, long total, byte[] header, byte[] data, bool lastMember)
        {
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
            if (size == (uint)total)
                return crc == _crc;
            if (!lastMember || size > total)
                return false;
            // `cat a.gz b.gz`: zlib has checked every earlier member; this trailer covers the last `size` bytes.
            long start = total - size;
            uint suffix = start < header.Length
                ? Crc32.Append(Crc32.Compute(header.AsSpan((int)start)), data)
                : Crc32.Compute(data.AsSpan((int)(start - header.Length)));
            return crc == suffix;
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
                    Span<byte> chunk = destination.Slice(filled, Math.Min(ReadChunk, destination.Length - filled));
                    int read = stream.Read(chunk);
                    if (read == 0)
                        break;
                    if (compressed)
                        _crc = Crc32.Append(_crc, chunk[..read]);
                    filled += read;
                    _offset += read;
                }
            }
            catch (InvalidDataException e)
            {
                throw Fail(_offset, $"the gzip stream is corrupt within {ReadChunk} bytes after decompressed offset {_offset} ({e.Message})", e);
            }
            catch (IOException e)
            {
                // zlib's own failures surface as IOExceptions too, as do the disk's.
                throw compressed
                    ? Fail(_offset, $"the gzip stream cannot be decompressed after decompressed offset {_offset} ({e.Message})", e)
                    : DataFile.ReadError(path, _offset, e);
            }
            return filled;
        }

        private string Ends => compressed ? "the decompressed data ends" : "the file ends";

        private DataFormatException Truncated(long bytes, int[] dims, long dataOffset, long end) =>
            Fail(end, $"expected {bytes} bytes of data ({Shape(dims)} uint8) from offset {dataOffset}, but {Ends} at offset {end}");

        private DataFormatException Trailing(long bytes, int[] dims, long dataOffset, string what) =>
            Fail(dataOffset + bytes, $"{what} after the {bytes} bytes of data ({Shape(dims)} uint8) that the header declares from offset {dataOffset}; " +
                "the header is wrong or the file has bytes appended");

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

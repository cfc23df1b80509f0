using System.Buffers.Binary;

namespace Cnn.Imaging;

/// <summary>
/// Finds out whether a sequential Huffman JPEG's entropy-coded data holds every block its frame
/// header claims. libjpeg, when the data ends early at a marker (the EOI of a file whose header
/// claims more rows than it holds, or of a file cut and closed), warns and pads the missing blocks
/// with uniform grey, and Skia reports success; this walks the Huffman codes, without decoding
/// coefficients, to tell such a file from one whose image really ends in grey.
/// </summary>
/// <remarks>
/// Only baseline and extended sequential Huffman frames (SOF0, SOF1) are checked. Progressive,
/// lossless and arithmetic-coded files, and files malformed in ways the codec judges itself, give
/// null: not known to be truncated.
/// </remarks>
internal static class JpegEntropyCheck
{
    /// <summary>Why the entropy-coded data of <paramref name="jpeg"/> ends early, or null.</summary>
    public static string? FindTruncation(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
            return null;

        var tables = new HuffmanTable?[2, 4];
        Frame? frame = null;
        int restartInterval = 0;
        int scans = 0;
        int pos = 2;
        while (true)
        {
            // Markers may be preceded by fill bytes (0xFF); anything else between segments is malformed.
            if (pos >= jpeg.Length || jpeg[pos] != 0xFF)
                return null;
            while (pos < jpeg.Length && jpeg[pos] == 0xFF)
                pos++;
            if (pos >= jpeg.Length)
                return null;
            byte marker = jpeg[pos++];
            if (marker == 0xD9)
                return frame is not null ? MissingComponent(frame) : null;
            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
                continue;
            if (pos + 2 > jpeg.Length)
                return null;
            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[pos..]);
            if (length < 2 || pos + length > jpeg.Length)
                return null;
            ReadOnlySpan<byte> segment = jpeg.Slice(pos + 2, length - 2);
            pos += length;

            switch (marker)
            {
                case 0xC0 or 0xC1:
                    frame = Frame.Parse(segment);
                    if (frame is null)
                        return null;
                    break;
                case 0xC4:
                    if (!HuffmanTable.ParseAll(segment, tables))
                        return null;
                    break;
                case 0xDD:
                    if (segment.Length < 2)
                        return null;
                    restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xDA:
                    if (frame is null)
                        return null;
                    scans++;
                    string? truncated = WalkScan(jpeg, ref pos, segment, frame, tables, restartInterval, scans);
                    if (truncated is not null || pos < 0)
                        return truncated;
                    break;
                case >= 0xC2 and <= 0xCF when marker is not (0xC4 or 0xC8 or 0xCC):
                    return null; // progressive, lossless or arithmetic: not checked
            }
        }
    }

    private static string? MissingComponent(Frame frame)
    {
        for (int c = 0; c < frame.Components.Length; c++)
        {
            if (!frame.Components[c].Scanned)
                return $"component {frame.Components[c].Id} of the frame is in no scan: the data ends before its scan";
        }
        return null;
    }

    /// <summary>
    /// Walks one scan's entropy-coded data from <paramref name="pos"/>; leaves <paramref name="pos"/> at
    /// the marker after it, or sets it to -1 when the scan is malformed (not for this check to judge).
    /// </summary>
    private static string? WalkScan(ReadOnlySpan<byte> jpeg, ref int pos, ReadOnlySpan<byte> header, Frame frame,
        HuffmanTable?[,] tables, int restartInterval, int scanNumber)
    {
        if (header.Length < 1 || header.Length < 1 + 2 * header[0] + 3 || header[0] is 0 or > 4)
        {
            pos = -1;
            return null;
        }
        int count = header[0];
        var members = new (Component Component, HuffmanTable Dc, HuffmanTable Ac)[count];
        for (int i = 0; i < count; i++)
        {
            byte id = header[1 + 2 * i];
            int selectors = header[2 + 2 * i];
            Component? component = Array.Find(frame.Components, c => c.Id == id);
            HuffmanTable? dc = (selectors >> 4) < 4 ? tables[0, selectors >> 4] : null;
            HuffmanTable? ac = (selectors & 15) < 4 ? tables[1, selectors & 15] : null;
            if (component is null || dc is null || ac is null)
            {
                pos = -1;
                return null;
            }
            component.Scanned = true;
            members[i] = (component, dc, ac);
        }

        // One component alone is coded block by block over its own size; several are interleaved in MCUs.
        long units;
        if (count == 1)
        {
            Component c = members[0].Component;
            long columns = Ceiling(Ceiling((long)frame.Width * c.H, frame.MaxH), 8);
            long rows = Ceiling(Ceiling((long)frame.Height * c.V, frame.MaxV), 8);
            units = columns * rows;
        }
        else
        {
            units = Ceiling(frame.Width, 8L * frame.MaxH) * Ceiling(frame.Height, 8L * frame.MaxV);
        }

        var bits = new BitReader(jpeg, pos);
        for (long unit = 0; unit < units; unit++)
        {
            if (restartInterval > 0 && unit > 0 && unit % restartInterval == 0 && !bits.Restart())
                return Ended(bits, unit, units, frame, scanNumber);
            for (int m = 0; m < count; m++)
            {
                int blocks = count == 1 ? 1 : members[m].Component.H * members[m].Component.V;
                for (int k = 0; k < blocks; k++)
                {
                    switch (WalkBlock(ref bits, members[m].Dc, members[m].Ac))
                    {
                        case Outcome.Ended:
                            return Ended(bits, unit, units, frame, scanNumber);
                        case Outcome.Corrupt:
                            pos = -1;
                            return null;
                    }
                }
            }
        }
        pos = bits.NextMarker();
        return null;
    }

    private static string Ended(BitReader bits, long unit, long units, Frame frame, int scanNumber) =>
        $"the entropy-coded data of scan {scanNumber} ends at byte offset {bits.Position}, after {unit} of its {units} MCUs: " +
        $"the header claims {frame.Width}×{frame.Height} pixels, more than the data holds";

    private enum Outcome { Done, Ended, Corrupt }

    private static Outcome WalkBlock(ref BitReader bits, HuffmanTable dc, HuffmanTable ac)
    {
        int size = dc.Decode(ref bits);
        if (size < 0)
            return size == HuffmanTable.Ended ? Outcome.Ended : Outcome.Corrupt;
        if (size > 16)
            return Outcome.Corrupt;
        if (!bits.Skip(size))
            return Outcome.Ended;
        for (int k = 1; k < 64;)
        {
            int rs = ac.Decode(ref bits);
            if (rs < 0)
                return rs == HuffmanTable.Ended ? Outcome.Ended : Outcome.Corrupt;
            int run = rs >> 4, bitsOfValue = rs & 15;
            if (bitsOfValue == 0)
            {
                if (run != 15)
                    break; // end of block
                k += 16;
                continue;
            }
            k += run + 1;
            if (!bits.Skip(bitsOfValue))
                return Outcome.Ended;
        }
        return Outcome.Done;
    }

    private static long Ceiling(long value, long divisor) => (value + divisor - 1) / divisor;

    /// <summary>
    /// Reads entropy-coded bits through a 64-bit buffer, unstuffing 0xFF 0x00, and stops filling at
    /// the first marker: bits past it are never handed out.
    /// </summary>
    private ref struct BitReader(ReadOnlySpan<byte> data, int position)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position = position;
        private ulong _buffer; // the next bits, most significant first
        private int _count;

        /// <summary>The offset of the next byte not yet in the buffer: where the data ends, once it has.</summary>
        public readonly int Position => _position;

        /// <summary>The bits buffered; after <see cref="Fill"/>, fewer than 57 only at the end of the data.</summary>
        public readonly int Count => _count;

        public void Fill()
        {
            while (_count <= 56 && _position < _data.Length)
            {
                byte b = _data[_position];
                if (b == 0xFF)
                {
                    if (_position + 1 >= _data.Length || _data[_position + 1] != 0x00)
                        return; // a marker: the segment's data ends here
                    _position += 2;
                }
                else
                {
                    _position++;
                }
                _buffer |= (ulong)b << (56 - _count);
                _count += 8;
            }
        }

        /// <summary>The next <paramref name="n"/> bits (1 to 16), which must be buffered.</summary>
        public readonly int Peek(int n) => (int)(_buffer >> (64 - n));

        public void Drop(int n)
        {
            _buffer <<= n;
            _count -= n;
        }

        /// <summary>Skips <paramref name="n"/> bits (at most 16); false where the data ends first.</summary>
        public bool Skip(int n)
        {
            if (_count < n)
            {
                Fill();
                if (_count < n)
                    return false;
            }
            Drop(n);
            return true;
        }

        /// <summary>Drops the rest of the byte and reads a restart marker; false where another marker (or the end) comes instead.</summary>
        public bool Restart()
        {
            _buffer = 0;
            _count = 0;
            while (_position + 1 < _data.Length && _data[_position] == 0xFF && _data[_position + 1] == 0xFF)
                _position++;
            if (_position + 1 < _data.Length && _data[_position] == 0xFF && _data[_position + 1] is >= 0xD0 and <= 0xD7)
            {
                _position += 2;
                return true;
            }
            return false;
        }

        /// <summary>The offset of the next marker after the scan (skipping padding and stray bytes), or -1.</summary>
        public readonly int NextMarker()
        {
            int p = _position;
            while (p + 1 < _data.Length && !(_data[p] == 0xFF && _data[p + 1] != 0x00 && _data[p + 1] is not (>= 0xD0 and <= 0xD7)))
                p++;
            return p + 1 < _data.Length ? p : -1;
        }
    }

    /// <summary>
    /// A Huffman table as the JPEG standard's decoding procedure (F.2.2.3) uses it, with a lookup of
    /// the codes up to <see cref="LookupBits"/> long, which are nearly all of them, for speed.
    /// </summary>
    private sealed class HuffmanTable
    {
        public const int Ended = -1;
        public const int Invalid = -2;
        private const int LookupBits = 9;

        private readonly int[] _maxCode = new int[17];
        private readonly int[] _valuePointer = new int[17];
        private readonly int[] _minCode = new int[17];
        private readonly byte[] _values;
        private readonly ushort[] _lookup = new ushort[1 << LookupBits]; // length << 8 | symbol; 0 for longer codes

        private HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
        {
            _values = values.ToArray();
            int code = 0, index = 0;
            for (int length = 1; length <= 16; length++)
            {
                int n = counts[length - 1];
                _valuePointer[length] = index;
                _minCode[length] = code;
                for (int i = 0; i < n && length <= LookupBits; i++)
                {
                    int first = (code + i) << (LookupBits - length);
                    if (first >= _lookup.Length)
                        break; // an over-full table: the slow path judges it
                    _lookup.AsSpan(first, Math.Min(1 << (LookupBits - length), _lookup.Length - first)).Fill((ushort)(length << 8 | _values[index + i]));
                }
                code += n;
                index += n;
                _maxCode[length] = n == 0 ? -1 : code - 1;
                code <<= 1;
            }
        }

        /// <summary>Reads every table of a DHT segment into <paramref name="tables"/>; false if malformed.</summary>
        public static bool ParseAll(ReadOnlySpan<byte> segment, HuffmanTable?[,] tables)
        {
            while (segment.Length > 0)
            {
                if (segment.Length < 17)
                    return false;
                int tableClass = segment[0] >> 4, id = segment[0] & 15;
                if (tableClass > 1 || id > 3)
                    return false;
                int total = 0;
                for (int i = 1; i <= 16; i++)
                    total += segment[i];
                if (total > 256 || segment.Length < 17 + total)
                    return false;
                tables[tableClass, id] = new HuffmanTable(segment.Slice(1, 16), segment.Slice(17, total));
                segment = segment[(17 + total)..];
            }
            return true;
        }

        /// <summary>The next symbol, <see cref="Ended"/> at the end of the data, or <see cref="Invalid"/> for a code not in the table.</summary>
        public int Decode(ref BitReader bits)
        {
            if (bits.Count < 16)
                bits.Fill();
            if (bits.Count >= LookupBits && _lookup[bits.Peek(LookupBits)] is var entry and not 0)
            {
                bits.Drop(entry >> 8);
                return entry & 0xFF;
            }
            for (int length = 1; length <= 16; length++)
            {
                if (bits.Count < length)
                    return Ended;
                int code = bits.Peek(length);
                if (code <= _maxCode[length])
                {
                    int index = _valuePointer[length] + code - _minCode[length];
                    if ((uint)index >= (uint)_values.Length)
                        return Invalid;
                    bits.Drop(length);
                    return _values[index];
                }
            }
            return Invalid;
        }
    }

    private sealed class Component(byte id, int h, int v)
    {
        public byte Id { get; } = id;
        public int H { get; } = h;
        public int V { get; } = v;
        public bool Scanned { get; set; }
    }

    private sealed class Frame
    {
        private Frame(int width, int height, Component[] components)
        {
            Width = width;
            Height = height;
            Components = components;
            MaxH = components.Max(c => c.H);
            MaxV = components.Max(c => c.V);
        }

        public int Width { get; }
        public int Height { get; }
        public Component[] Components { get; }
        public int MaxH { get; }
        public int MaxV { get; }

        public static Frame? Parse(ReadOnlySpan<byte> segment)
        {
            if (segment.Length < 6)
                return null;
            int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
            int width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
            int count = segment[5];
            if (width == 0 || height == 0 || count == 0 || segment.Length < 6 + 3 * count)
                return null;
            var components = new Component[count];
            for (int i = 0; i < count; i++)
            {
                int sampling = segment[7 + 3 * i];
                int h = sampling >> 4, v = sampling & 15;
                if (h is 0 or > 4 || v is 0 or > 4)
                    return null;
                components[i] = new Component(segment[6 + 3 * i], h, v);
            }
            return new Frame(width, height, components);
        }
    }
}

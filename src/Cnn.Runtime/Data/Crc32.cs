namespace Cnn.Data;

/// <summary>
/// The CRC-32 of gzip and PNG (ISO 3309, reflected polynomial 0xEDB88320), computed slice-by-8 so
/// that checking a 47 MB IDX file costs tens of milliseconds. System.IO.Hashing would do it, but it
/// is a separate package and the runtime keeps its own copy internal.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="bytes"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> bytes) => Append(0, bytes);

    /// <summary>The CRC-32 of the bytes behind <paramref name="crc"/> followed by <paramref name="bytes"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        uint[] t = Table;
        uint c = ~crc;
        while (bytes.Length >= 8)
        {
            uint low = c ^ (uint)(bytes[0] | bytes[1] << 8 | bytes[2] << 16 | bytes[3] << 24);
            c = t[7 * 256 + (low & 0xFF)] ^ t[6 * 256 + ((low >> 8) & 0xFF)]
              ^ t[5 * 256 + ((low >> 16) & 0xFF)] ^ t[4 * 256 + (low >> 24)]
              ^ t[3 * 256 + bytes[4]] ^ t[2 * 256 + bytes[5]]
              ^ t[1 * 256 + bytes[6]] ^ t[bytes[7]];
            bytes = bytes[8..];
        }
        foreach (byte b in bytes)
            c = t[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }

    /// <summary>Table k holds the CRC of a byte followed by k zero bytes.</summary>
    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        for (int n = 0; n < 256; n++)
        {
            for (int k = 1; k < 8; k++)
                table[k * 256 + n] = table[(k - 1) * 256 + n] >> 8 ^ table[table[(k - 1) * 256 + n] & 0xFF];
        }
        return table;
    }
}

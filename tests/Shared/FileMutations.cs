namespace Cnn.Tests;

/// <summary>
/// Structured and seeded random mutations of a valid file, for the loaders' fuzz tests: truncation
/// at every length, bit flips, byte ranges overwritten, thirds replaced, bytes appended. Each has a
/// name that says how to make it again.
/// </summary>
internal static class FileMutations
{
    /// <summary>A mutated file and how it was made.</summary>
    public readonly record struct Mutation(string Name, byte[] Bytes);

    /// <summary>The file cut to every length from 0 to one byte short, every <paramref name="step"/> bytes.</summary>
    public static IEnumerable<Mutation> Truncations(byte[] file, int step = 1)
    {
        for (int length = 0; length < file.Length; length += step)
            yield return new($"truncated to {length} bytes", file[..length]);
    }

    /// <summary>The file with the byte at every offset in [<paramref name="start"/>, <paramref name="end"/>) set to each of <paramref name="values"/>.</summary>
    public static IEnumerable<Mutation> ByteValues(byte[] file, int start, int end, params byte[] values)
    {
        for (int offset = start; offset < Math.Min(end, file.Length); offset++)
        {
            foreach (byte value in values)
            {
                if (file[offset] == value)
                    continue;
                byte[] bytes = (byte[])file.Clone();
                bytes[offset] = value;
                yield return new($"byte {offset} set to 0x{value:X2}", bytes);
            }
        }
    }

    /// <summary><paramref name="count"/> files, each with one seeded random bit flipped.</summary>
    public static IEnumerable<Mutation> BitFlips(byte[] file, int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < count; i++)
        {
            int offset = random.NextInt(file.Length), bit = random.NextInt(8);
            byte[] bytes = (byte[])file.Clone();
            bytes[offset] ^= (byte)(1 << bit);
            yield return new($"bit {bit} of byte {offset} flipped", bytes);
        }
    }

    /// <summary><paramref name="count"/> files, each with a seeded random range (up to a quarter of the file) overwritten with random bytes.</summary>
    public static IEnumerable<Mutation> RangeOverwrites(byte[] file, int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        for (int i = 0; i < count; i++)
        {
            int length = 1 + random.NextInt(Math.Max(1, file.Length / 4));
            int start = random.NextInt(file.Length - length + 1);
            byte[] bytes = (byte[])file.Clone();
            for (int k = 0; k < length; k++)
                bytes[start + k] = (byte)random.NextInt(256);
            yield return new($"bytes [{start}, {start + length}) overwritten (seed {seed}, case {i})", bytes);
        }
    }

    /// <summary>The file with its first, middle and last third replaced by seeded random bytes.</summary>
    public static IEnumerable<Mutation> ThirdsReplaced(byte[] file, ulong seed)
    {
        var random = new SeededRandom(seed);
        string[] names = ["first", "middle", "last"];
        for (int third = 0; third < 3; third++)
        {
            int start = third * file.Length / 3, end = (third + 1) * file.Length / 3;
            byte[] bytes = (byte[])file.Clone();
            for (int k = start; k < end; k++)
                bytes[k] = (byte)random.NextInt(256);
            yield return new($"{names[third]} third replaced (seed {seed})", bytes);
        }
    }

    /// <summary>The file with random bytes, zero bytes and a copy of itself appended.</summary>
    public static IEnumerable<Mutation> Appended(byte[] file, ulong seed)
    {
        var random = new SeededRandom(seed);
        foreach (int count in new[] { 1, 3, 8, 100 })
        {
            var junk = new byte[count];
            for (int k = 0; k < count; k++)
                junk[k] = (byte)random.NextInt(256);
            yield return new($"{count} random bytes appended", [.. file, .. junk]);
            yield return new($"{count} zero bytes appended", [.. file, .. new byte[count]]);
        }
        yield return new("the file appended to itself", [.. file, .. file]);
    }
}

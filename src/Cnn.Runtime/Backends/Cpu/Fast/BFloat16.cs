using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// fp32 → bf16 (the top 16 bits of an fp32) with round-to-nearest-even, as <c>vcvtne2ps2bf16</c>
/// rounds: values too large round to infinity, a NaN stays a (quiet) NaN. The GEMM packs operands
/// in pairs, one 32-bit word holding two bf16 values, the first in the low half.
/// </summary>
internal static class BFloat16
{
    /// <summary>The bf16 nearest to <paramref name="value"/>, ties to even.</summary>
    public static ushort Round(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The fp32 that bf16 <paramref name="value"/> stands for (exact).</summary>
    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    /// <summary>One packed word: <paramref name="low"/> rounded in bits 0–15, <paramref name="high"/> in bits 16–31.</summary>
    public static uint Pair(float low, float high) => Round(low) | (uint)Round(high) << 16;

    /// <summary>Sixteen packed words, lane i holding <paramref name="low"/>[i] and <paramref name="high"/>[i] rounded.</summary>
    public static Vector512<uint> Pair(Vector512<float> low, Vector512<float> high) =>
        Vector512.ShiftRightLogical(RoundedHigh(low), 16) | (RoundedHigh(high) & Vector512.Create(0xFFFF_0000u));

    /// <summary>
    /// Sixteen packed words from 32 consecutive values, <paramref name="first"/> then <paramref name="second"/>:
    /// word i holds values 2i and 2i+1.
    /// </summary>
    public static Vector512<uint> AdjacentPairs(Vector512<float> first, Vector512<float> second)
    {
        // Viewed as 64-bit lanes, each holds one pair: the low value's top half goes to bits 0–15, the high value's to bits 16–31.
        static Vector512<ulong> Words(Vector512<float> values)
        {
            Vector512<ulong> lanes = RoundedHigh(values).AsUInt64();
            return (Vector512.ShiftRightLogical(lanes, 16) & Vector512.Create(0xFFFFul)) | (Vector512.ShiftRightLogical(lanes, 32) & Vector512.Create(0xFFFF_0000ul));
        }
        return Vector512.Narrow(Words(first), Words(second));
    }

    // Each lane rounded so that its top 16 bits are the bf16; the low 16 bits are left over.
    private static Vector512<uint> RoundedHigh(Vector512<float> value)
    {
        Vector512<uint> bits = value.AsUInt32();
        Vector512<uint> rounded = bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One);
        Vector512<uint> nan = Vector512.GreaterThan(bits & Vector512.Create(0x7FFF_FFFFu), Vector512.Create(0x7F80_0000u));
        return Vector512.ConditionalSelect(nan, bits | Vector512.Create(0x0040_0000u), rounded);
    }
}

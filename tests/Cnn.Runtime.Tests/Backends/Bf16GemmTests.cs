using System.Runtime.Intrinsics;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The bf16 GEMM (run-time generated <c>vdpbf16ps</c> kernel) against a double-precision product of
/// the same operands rounded to bf16, so that only the fp32 accumulation differs; and the rounding
/// against a scalar nearest-even reference. On a machine without AVX512_BF16 the tests check that
/// asking for bf16 fails with the reason.
/// </summary>
public unsafe class Bf16GemmTests
{
    [Fact]
    public void Round_MatchesNearestEvenReference_OnEdgeValues()
    {
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, 1f + 1f / 256, 1f + 3f / 256, 1f + 1f / 256 + 1f / 65536, 1f + 1f / 256 - 1f / 65536,
            -(1f + 1f / 256), -(1f + 3f / 256), float.MaxValue, -float.MaxValue, float.PositiveInfinity, float.NegativeInfinity,
            float.Epsilon, -float.Epsilon, 1e-40f, float.MinValue / 3, BitConverter.UInt32BitsToSingle(0x7F7F_8000), BitConverter.UInt32BitsToSingle(0x7F7F_7FFF),
            BitConverter.UInt32BitsToSingle(0x0000_8000), BitConverter.UInt32BitsToSingle(0x0001_8000), BitConverter.UInt32BitsToSingle(0x3F80_7FFF),
        };
        values.AddRange(TestArrays.UniformSingle(5, 2000, -1000, 1000));
        foreach (float value in values)
            Assert.True(ReferenceRound(value) == BFloat16.Round(value), $"{value:R} (0x{BitConverter.SingleToUInt32Bits(value):X8}): 0x{BFloat16.Round(value):X4}, expected 0x{ReferenceRound(value):X4}.");

        foreach (uint nanBits in new uint[] { 0x7FC0_0000, 0x7F80_0001, 0xFF80_FFFF, 0x7FFF_FFFF, 0xFFC1_2345 })
        {
            float nan = BitConverter.UInt32BitsToSingle(nanBits);
            Assert.True(float.IsNaN(BFloat16.ToSingle(BFloat16.Round(nan))), $"NaN 0x{nanBits:X8} rounded to 0x{BFloat16.Round(nan):X4}.");
            values.Add(nan);
        }

        // The vector pairings used by packing agree with the scalar one, lane by lane.
        float[] all = [.. values, .. new float[32]];
        for (int start = 0; start + 32 <= all.Length; start += 32)
        {
            Vector512<float> first = Vector512.Create(all, start), second = Vector512.Create(all, start + 16);
            Vector512<uint> pairs = BFloat16.Pair(first, second), adjacent = BFloat16.AdjacentPairs(first, second);
            for (int lane = 0; lane < 16; lane++)
            {
                Assert.Equal(BFloat16.Pair(all[start + lane], all[start + 16 + lane]), pairs[lane]);
                Assert.Equal(BFloat16.Pair(all[start + 2 * lane], all[start + 2 * lane + 1]), adjacent[lane]);
            }
        }
    }

    [Fact]
    public void Multiply_MatchesDoubleGemmOnRoundedOperands_OnOddSizesAndEveryTranspose()
    {
        if (!ExpectSupport()) return;
        (int M, int N, int K)[] sizes = [(1, 1, 1), (7, 13, 5), (12, 32, 2), (13, 33, 17), (33, 70, 300), (130, 41, 257), (3, 2100, 9), (16, 40, 800), (25, 65, 769)];
        foreach ((int m, int n, int k) in sizes)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
            SgemmTests.Check(GemmKernel.Bf16, m, n, k, transA, transB, accumulate);
    }

    [Fact]
    public void MultiplyPacked_MatchesDoubleGemmOnRoundedOperands_WithAPackedOnce()
    {
        if (!ExpectSupport()) return;
        (int M, int N, int K)[] sizes = [(7, 13, 5), (64, 196, 288), (290, 33, 801), (9, 41, 385)];
        foreach ((int m, int n, int k) in sizes)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            SgemmTests.Check(GemmKernel.Bf16, m, n, k, transA, transB, accumulate: true, prepack: true);
    }

    [Fact]
    public void CpuBackend_InBf16_RunsBf16GemmsOrSaysWhyNot()
    {
        if (!ExpectSupport()) return;
        using var backend = new CpuBackend(CpuKernels.Fast, threads: 1, MatrixPrecision.BFloat16);
        Assert.Equal(MatrixPrecision.BFloat16, backend.Precision);
        Assert.Equal(GemmKernel.Bf16, backend.Workspace.Gemm(0).Kernel);
        Assert.Throws<ArgumentException>(() => new CpuBackend(CpuKernels.Reference, 1, MatrixPrecision.BFloat16));
    }

    // True where bf16 runs; elsewhere proves that asking for it fails with the reason, and returns false.
    private static bool ExpectSupport()
    {
        if (Bf16Kernel.IsSupported) return true;
        var error = Assert.Throws<PlatformNotSupportedException>(() => new CpuBackend(CpuKernels.Fast, 1, MatrixPrecision.BFloat16));
        Assert.Equal(Bf16Kernel.UnsupportedReason, error.Message);
        return false;
    }

    // Nearest-even from first principles: the two bf16 neighbours of the value, compared in double.
    private static ushort ReferenceRound(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        ushort below = (ushort)(bits >> 16), above = (ushort)(below + 1);
        if ((bits & 0xFFFF) == 0) return below;
        double x = Math.Abs((double)value), low = Math.Abs(Magnitude(below)), high = Math.Abs(Magnitude(above));
        double toLow = x - low, toHigh = high - x;
        return toLow < toHigh ? below : toHigh < toLow ? above : (below & 1) == 0 ? below : above;
    }

    // The magnitude a bf16 pattern stands for, 2¹²⁸ standing in for infinity (where rounding up overflows).
    private static double Magnitude(ushort pattern) =>
        (pattern & 0x7FFF) == 0x7F80 ? Math.Pow(2, 128) : BFloat16.ToSingle(pattern);
}

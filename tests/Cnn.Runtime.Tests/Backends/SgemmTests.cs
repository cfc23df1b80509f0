using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public unsafe class SgemmTests
{
    /// <summary>Every fp32 micro-kernel this processor can run, by name (the enum is internal); bf16 has <see cref="Bf16GemmTests"/>.</summary>
    public static TheoryData<string> Kernels()
    {
        var data = new TheoryData<string>();
        foreach (GemmKernel kernel in Enum.GetValues<GemmKernel>())
            if (kernel != GemmKernel.Bf16 && SgemmKernels.IsSupported(kernel)) data.Add(kernel.ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Multiply_MatchesNaiveDoubleGemm_OnOddSizesAndEveryTranspose(string kernelName)
    {
        GemmKernel kernel = Enum.Parse<GemmKernel>(kernelName);
        (int M, int N, int K)[] sizes = [(1, 1, 1), (7, 13, 5), (9, 33, 17), (33, 70, 300), (130, 41, 257), (3, 2100, 9), (16, 40, 800)];
        foreach ((int m, int n, int k) in sizes)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
            Check(kernel, m, n, k, transA, transB, accumulate);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void MultiplyPacked_MatchesNaiveDoubleGemm_WithAPackedOnce(string kernelName)
    {
        GemmKernel kernel = Enum.Parse<GemmKernel>(kernelName);
        (int M, int N, int K)[] sizes = [(7, 13, 5), (64, 196, 288), (290, 33, 800), (9, 41, 385)];
        foreach ((int m, int n, int k) in sizes)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
            Check(kernel, m, n, k, transA, transB, accumulate: true, prepack: true);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Multiply_MatchesNaiveDoubleGemm_AcrossSeveralDepthBlocks(string kernelName)
    {
        // Depths past one depth block (513: two of 257), at several (1024, 1100); rows and columns
        // ragged against the register tile and past one Mc block of rows.
        GemmKernel kernel = Enum.Parse<GemmKernel>(kernelName);
        (int M, int N, int K)[] sizes = [(9, 33, 513), (131, 47, 1024), (17, 70, 1100)];
        foreach ((int m, int n, int k) in sizes)
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
        {
            Check(kernel, m, n, k, transA, transB, accumulate);
            Check(kernel, m, n, k, transA, transB, accumulate, prepack: true);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Multiply_SumsEachElementAsOneChainPerDepthBlock_BitForBit(string kernelName)
    {
        // The summation order is part of the contract (data-parallel training compares results bit for
        // bit): each depth block of DepthBlock(k) is one multiply-add chain from zero, in depth order,
        // added to C block after block. How rows and columns are blocked and packed must not show. The
        // sizes cross every row and column block: past 2048 rows, past 512 and 2048 columns.
        GemmKernel kernel = Enum.Parse<GemmKernel>(kernelName);
        (int M, int N, int K)[] sizes = [(2100, 37, 400), (19, 2200, 800), (70, 1100, 385)];
        foreach ((int m, int n, int k) in sizes)
        {
            CheckBits(kernel, m, n, k, transA: false, transB: false, accumulate: true, prepack: false);
            CheckBits(kernel, m, n, k, transA: true, transB: true, accumulate: false, prepack: true);
        }
    }

    /// <summary>C = A·B (+ C) by the SGEMM under test, with A packed beforehand when <paramref name="prepack"/> is set.</summary>
    private static void Multiply(GemmKernel kernel, int m, int n, int k, float[] a, int lda, bool transA, float[] b, int ldb, bool transB,
                                 float[] c, int ldc, bool accumulate, bool prepack)
    {
        var ws = new GemmWorkspace(kernel, m, n, k);
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (prepack)
            {
                float[] packed = new float[Sgemm.PackedASize(kernel, m, k)];
                fixed (float* pp = packed)
                {
                    Sgemm.PackA(kernel, m, k, pa, lda, transA, pp);
                    Sgemm.MultiplyPacked(ws, m, n, k, pp, pb, ldb, transB, pc, ldc, accumulate);
                }
            }
            else
            {
                Sgemm.Multiply(ws, m, n, k, pa, lda, transA, pb, ldb, transB, pc, ldc, accumulate);
            }
        }
    }

    private static void CheckBits(GemmKernel kernel, int m, int n, int k, bool transA, bool transB, bool accumulate, bool prepack)
    {
        int lda = transA ? m : k, ldb = transB ? k : n, ldc = n;
        float[] a = TestArrays.UniformSingle(81, m * k), b = TestArrays.UniformSingle(82, k * n);
        float[] c = TestArrays.UniformSingle(83, m * n), original = (float[])c.Clone();
        Multiply(kernel, m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate, prepack);

        int block = Sgemm.DepthBlock(k);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            float sum = original[i * ldc + j];
            for (int pc = 0; pc < k; pc += block)
            {
                float chain = 0f;
                for (int p = pc; p < Math.Min(k, pc + block); p++)
                {
                    float x = a[transA ? p * lda + i : i * lda + p], y = b[transB ? j * ldb + p : p * ldb + j];
                    chain = kernel == GemmKernel.Scalar ? chain + x * y : MathF.FusedMultiplyAdd(x, y, chain);
                }
                sum = pc == 0 && !accumulate ? chain : chain + sum;
            }
            if (BitConverter.SingleToInt32Bits(sum) != BitConverter.SingleToInt32Bits(c[i * ldc + j]))
                Assert.Fail($"{kernel} {m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate} prepack={prepack}: C[{i},{j}] = {c[i * ldc + j]:R}, expected {sum:R}.");
        }
    }

    /// <summary>
    /// One product against a double-precision GEMM of the same operands, as the kernel sees them: the
    /// bf16 kernel's rounded to bf16 (<see cref="BFloat16"/>), so that only the fp32 accumulation differs.
    /// </summary>
    internal static void Check(GemmKernel kernel, int m, int n, int k, bool transA, bool transB, bool accumulate, bool prepack = false)
    {
        // Leading dimensions wider than the matrices, to prove that strides are honoured.
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 5;
        float[] a = TestArrays.UniformSingle(71, (transA ? k : m) * lda), b = TestArrays.UniformSingle(72, (transB ? n : k) * ldb);
        float[] c = TestArrays.UniformSingle(73, m * ldc), original = (float[])c.Clone();
        Multiply(kernel, m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate, prepack);

        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc; j++)
        {
            int index = i * ldc + j;
            if (j >= n)
            {
                Assert.Equal(original[index], c[index]);
                continue;
            }
            double sum = accumulate ? original[index] : 0, magnitude = Math.Abs(sum);
            for (int p = 0; p < k; p++)
            {
                double term = Operand(kernel, a[transA ? p * lda + i : i * lda + p]) * Operand(kernel, b[transB ? j * ldb + p : p * ldb + j]);
                sum += term;
                magnitude += Math.Abs(term);
            }
            double error = Math.Abs(sum - c[index]);
            if (error > 1e-5 * magnitude + 1e-30)
                Assert.Fail($"{kernel} {m}x{n}x{k} transA={transA} transB={transB} accumulate={accumulate} prepack={prepack}: C[{i},{j}] = {c[index]}, expected {sum}.");
        }
    }

    private static double Operand(GemmKernel kernel, float value) =>
        kernel == GemmKernel.Bf16 ? BFloat16.ToSingle(BFloat16.Round(value)) : value;

    [Fact]
    public void Multiply_WithZeroDepth_ClearsOrKeepsC()
    {
        var ws = new GemmWorkspace(SgemmKernels.Best, 2, 3, 1);
        float[] c = [1, 2, 3, 4, 5, 6];
        fixed (float* pc = c)
        {
            Sgemm.Multiply(ws, 2, 3, 0, null, 1, false, null, 1, false, pc, 3, accumulate: true);
            Assert.Equal([1f, 2, 3, 4, 5, 6], c);
            Sgemm.Multiply(ws, 2, 3, 0, null, 1, false, null, 1, false, pc, 3, accumulate: false);
            Assert.All(c, v => Assert.Equal(0f, v));
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>Which register-tiled micro-kernel a GEMM runs, and so how its operands are packed.</summary>
internal enum GemmKernel
{
    /// <summary>Plain loops over a 4×8 tile: correct everywhere, fast nowhere.</summary>
    Scalar,

    /// <summary>A 6×16 tile of Vector256 accumulators (12 of the 16 ymm registers), with FMA.</summary>
    Avx2,

    /// <summary>An 8×32 tile of Vector512 accumulators (16 of the 32 zmm registers).</summary>
    Avx512,

    /// <summary>
    /// A 12×32 tile of fp32 accumulators fed by bf16 operands (<see cref="Bf16Kernel"/>, AVX512_BF16,
    /// Linux x64): <see cref="Sgemm"/> hands the product to <see cref="Bf16Gemm"/>. Never chosen by
    /// itself; a backend opts in with <see cref="MatrixPrecision.BFloat16"/>.
    /// </summary>
    Bf16,
}

/// <summary>
/// The micro-kernels: C[MR×NR] (+)= Ã·B̃ over one packed panel pair, where Ã holds MR values per k
/// step and B̃ holds NR. Each accumulator stays in a register for the whole k loop; the tile is read
/// (when accumulating) and written once at the end. Measured on Zen 4 at about 115 GFLOP/s per core.
/// </summary>
internal static unsafe class SgemmKernels
{
    public static GemmKernel Best { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmKernel.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmKernel.Avx2
        : GemmKernel.Scalar;

    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => Avx512F.IsSupported,
        GemmKernel.Bf16 => Bf16Kernel.IsSupported,
        GemmKernel.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Rows of the register tile.</summary>
    public static int Mr(GemmKernel kernel) => kernel switch { GemmKernel.Bf16 => Bf16Kernel.DefaultRows, GemmKernel.Avx512 => 8, GemmKernel.Avx2 => 6, _ => 4 };

    /// <summary>Columns of the register tile.</summary>
    public static int Nr(GemmKernel kernel) => kernel switch { GemmKernel.Bf16 => 16 * Bf16Kernel.DefaultVectors, GemmKernel.Avx512 => 32, GemmKernel.Avx2 => 16, _ => 8 };

    /// <summary>Columns of the B panel that holds the last <paramref name="columns"/> columns: NR, or 16 where the AVX-512 kernel has a narrow variant.</summary>
    public static int PanelWidth(GemmKernel kernel, int columns) => kernel == GemmKernel.Avx512 && columns <= 16 ? 16 : Nr(kernel);

    /// <summary>Runs the kernel over one MR×<paramref name="panelWidth"/> tile (see <see cref="PanelWidth"/>).</summary>
    public static void Run(GemmKernel kernel, int panelWidth, int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        if (panelWidth == 16 && kernel == GemmKernel.Avx512)
        {
            Kernel512x8Narrow(kc, a, b, c, ldc, accumulate);
            return;
        }
        switch (kernel)
        {
            case GemmKernel.Avx512: Kernel512x8(kc, a, b, c, ldc, accumulate); break;
            case GemmKernel.Avx2: Kernel256x6(kc, a, b, c, ldc, accumulate); break;
            default: KernelScalar(kc, a, b, c, ldc, accumulate); break;
        }
    }

    private static void KernelScalar(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        const int mr = 4, nr = 8;
        float* tile = stackalloc float[mr * nr];
        for (int i = 0; i < mr * nr; i++) tile[i] = 0f;
        for (int p = 0; p < kc; p++, a += mr, b += nr)
        for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            tile[i * nr + j] += a[i] * b[j];
        for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++)
            c[i * ldc + j] = accumulate ? tile[i * nr + j] + c[i * ldc + j] : tile[i * nr + j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x8(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(ai, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(ai, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(ai, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(ai, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(ai, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(ai, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(ai, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(ai, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ai, b1, c71);
            a += 8;
            b += 32;
        }
        if (accumulate)
        {
            c00 += Vector512.Load(c + 0 * ldc); c01 += Vector512.Load(c + 0 * ldc + 16);
            c10 += Vector512.Load(c + 1 * ldc); c11 += Vector512.Load(c + 1 * ldc + 16);
            c20 += Vector512.Load(c + 2 * ldc); c21 += Vector512.Load(c + 2 * ldc + 16);
            c30 += Vector512.Load(c + 3 * ldc); c31 += Vector512.Load(c + 3 * ldc + 16);
            c40 += Vector512.Load(c + 4 * ldc); c41 += Vector512.Load(c + 4 * ldc + 16);
            c50 += Vector512.Load(c + 5 * ldc); c51 += Vector512.Load(c + 5 * ldc + 16);
            c60 += Vector512.Load(c + 6 * ldc); c61 += Vector512.Load(c + 6 * ldc + 16);
            c70 += Vector512.Load(c + 7 * ldc); c71 += Vector512.Load(c + 7 * ldc + 16);
        }
        c00.Store(c + 0 * ldc); c01.Store(c + 0 * ldc + 16);
        c10.Store(c + 1 * ldc); c11.Store(c + 1 * ldc + 16);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 16);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 16);
        c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 16);
        c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x6(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> ai;
            ai = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(ai, b0, c00); c01 = Fma.MultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(ai, b0, c10); c11 = Fma.MultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(ai, b0, c20); c21 = Fma.MultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(ai, b0, c30); c31 = Fma.MultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(ai, b0, c40); c41 = Fma.MultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(ai, b0, c50); c51 = Fma.MultiplyAdd(ai, b1, c51);
            a += 6;
            b += 16;
        }
        if (accumulate)
        {
            c00 += Vector256.Load(c + 0 * ldc); c01 += Vector256.Load(c + 0 * ldc + 8);
            c10 += Vector256.Load(c + 1 * ldc); c11 += Vector256.Load(c + 1 * ldc + 8);
            c20 += Vector256.Load(c + 2 * ldc); c21 += Vector256.Load(c + 2 * ldc + 8);
            c30 += Vector256.Load(c + 3 * ldc); c31 += Vector256.Load(c + 3 * ldc + 8);
            c40 += Vector256.Load(c + 4 * ldc); c41 += Vector256.Load(c + 4 * ldc + 8);
            c50 += Vector256.Load(c + 5 * ldc); c51 += Vector256.Load(c + 5 * ldc + 8);
        }
        c00.Store(c + 0 * ldc); c01.Store(c + 0 * ldc + 8);
        c10.Store(c + 1 * ldc); c11.Store(c + 1 * ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
        c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8);
        c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8);
    }

    /// <summary>The 8×16 variant for a last B panel of at most 16 columns, which the 8×32 kernel would half waste.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x8Narrow(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c0 = default;
        Vector512<float> c1 = default;
        Vector512<float> c2 = default;
        Vector512<float> c3 = default;
        Vector512<float> c4 = default;
        Vector512<float> c5 = default;
        Vector512<float> c6 = default;
        Vector512<float> c7 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
            c3 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
            c5 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
            c7 = Avx512F.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
            a += 8;
            b += 16;
        }
        if (accumulate)
        {
            c0 += Vector512.Load(c + 0 * ldc);
            c1 += Vector512.Load(c + 1 * ldc);
            c2 += Vector512.Load(c + 2 * ldc);
            c3 += Vector512.Load(c + 3 * ldc);
            c4 += Vector512.Load(c + 4 * ldc);
            c5 += Vector512.Load(c + 5 * ldc);
            c6 += Vector512.Load(c + 6 * ldc);
            c7 += Vector512.Load(c + 7 * ldc);
        }
        c0.Store(c + 0 * ldc);
        c1.Store(c + 1 * ldc);
        c2.Store(c + 2 * ldc);
        c3.Store(c + 3 * ldc);
        c4.Store(c + 4 * ldc);
        c5.Store(c + 5 * ldc);
        c6.Store(c + 6 * ldc);
        c7.Store(c + 7 * ldc);
    }
}

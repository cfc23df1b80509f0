using System.Runtime.Intrinsics.X86;
using static Cnn.Backends.Cpu.Fast.X64Emitter;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The bf16 GEMM micro-kernel: C[MR×NR] (+)= Ã·B̃ in fp32, from bf16 operands packed in k-pairs. Ã
/// holds, per pair of k steps, one 32-bit word per row (the two bf16 values of A[i, 2p] and
/// A[i, 2p+1]); B̃ one word per column. Each <c>vdpbf16ps</c> multiplies a row's broadcast word with
/// 16 columns' words and adds both products into 16 fp32 accumulators, which stay in registers for
/// the whole k loop. The code is generated at run time (<see cref="X64Emitter"/>) since .NET has no
/// AVX512_BF16 intrinsics; it follows the System V calling convention, so Linux x64 only.
/// </summary>
/// <remarks>
/// The instruction flushes bf16 denormal inputs and fp32 denormal results to zero and rounds to
/// nearest even, whatever MXCSR says.
/// </remarks>
internal sealed unsafe class Bf16Kernel
{
    private static readonly Lazy<Bf16Kernel> LazyDefault = new(() => new Bf16Kernel(DefaultRows, DefaultVectors));

    /// <summary>Rows of the default tile.</summary>
    public const int DefaultRows = 12;

    /// <summary>Columns of the default tile in vectors of 16.</summary>
    public const int DefaultVectors = 2;

    // System V: kPairs in rdi, Ã in rsi, B̃ in rdx, C in rcx, the row stride of C in bytes in r8, accumulate in r9.
    // Without a GC transition: the kernel runs for microseconds, never blocks, allocates or calls back.
    private readonly delegate* unmanaged[SuppressGCTransition]<long, uint*, uint*, float*, long, long, void> _code;

    /// <summary>Emits the kernel for an <paramref name="rows"/> × 16·<paramref name="vectors"/> tile.</summary>
    /// <exception cref="PlatformNotSupportedException">See <see cref="UnsupportedReason"/>.</exception>
    public Bf16Kernel(int rows, int vectors)
    {
        if (UnsupportedReason is { } reason) throw new PlatformNotSupportedException(reason);
        if (rows < 1 || vectors < 1 || rows * vectors + vectors + 1 > 32)
            throw new ArgumentOutOfRangeException(nameof(rows), $"A {rows}x{16 * vectors} tile does not fit the 32 zmm registers.");
        Mr = rows;
        Nr = 16 * vectors;
        _code = (delegate* unmanaged[SuppressGCTransition]<long, uint*, uint*, float*, long, long, void>)ExecutableMemory.Load(Emit(rows, vectors));
    }

    /// <summary>The 12×32 kernel, emitted on first use.</summary>
    public static Bf16Kernel Default => LazyDefault.Value;

    /// <summary>Null where the kernel can run; otherwise why not.</summary>
    public static string? UnsupportedReason { get; } =
        !ExecutableMemory.IsSupported ? "The bf16 GEMM kernel is generated at run time, which this library does on Linux x64 only."
        : !Avx512F.IsSupported || !X86Base.IsSupported || (X86Base.CpuId(7, 1).Eax & (1 << 5)) == 0
            ? "This processor has no AVX512_BF16 (vdpbf16ps), which the bf16 GEMM kernel needs."
        : null;

    /// <summary>Whether the kernel can run here.</summary>
    public static bool IsSupported => UnsupportedReason is null;

    /// <summary>Rows of the tile.</summary>
    public int Mr { get; }

    /// <summary>Columns of the tile.</summary>
    public int Nr { get; }

    /// <summary>
    /// C (+)= Ã·B̃ over <paramref name="kPairs"/> pairs of k steps, C being Mr×Nr with rows
    /// <paramref name="ldc"/> floats apart.
    /// </summary>
    public void Run(int kPairs, uint* a, uint* b, float* c, int ldc, bool accumulate) =>
        _code(kPairs, a, b, c, (long)ldc * sizeof(float), accumulate ? 1 : 0);

    /// <summary>The machine code of an <paramref name="rows"/> × 16·<paramref name="vectors"/> kernel (tests and the encoding check read it).</summary>
    internal static byte[] Emit(int rows, int vectors)
    {
        var x = new X64Emitter();
        int accumulators = rows * vectors, firstB = accumulators, broadcast = accumulators + vectors;
        for (int r = 0; r < accumulators; r++) x.ZeroZmm(r);

        x.Test(Gpr.Rdi);
        int noDepth = x.JumpIfZeroForward();
        int loop = x.Position;
        for (int v = 0; v < vectors; v++) x.LoadZmm(firstB + v, Gpr.Rdx, 64 * v);
        for (int i = 0; i < rows; i++)
        {
            x.BroadcastDword(broadcast, Gpr.Rsi, 4 * i);
            for (int v = 0; v < vectors; v++) x.DotBf16(i * vectors + v, firstB + v, broadcast);
        }
        x.AddImmediate(Gpr.Rsi, 4 * rows);
        x.AddImmediate(Gpr.Rdx, 64 * vectors);
        x.Decrement(Gpr.Rdi);
        x.JumpIfNotZeroBack(loop);
        x.Bind(noDepth);

        x.Test(Gpr.R9);
        int overwrite = x.JumpIfZeroForward();
        for (int i = 0; i < rows; i++)
        {
            for (int v = 0; v < vectors; v++)
            {
                x.AddZmmFromMemory(i * vectors + v, i * vectors + v, Gpr.Rcx, 64 * v);
                x.StoreZmm(Gpr.Rcx, 64 * v, i * vectors + v);
            }
            x.Add(Gpr.Rcx, Gpr.R8);
        }
        int done = x.JumpForward();
        x.Bind(overwrite);
        for (int i = 0; i < rows; i++)
        {
            for (int v = 0; v < vectors; v++) x.StoreZmm(Gpr.Rcx, 64 * v, i * vectors + v);
            x.Add(Gpr.Rcx, Gpr.R8);
        }
        x.Bind(done);
        x.Return();
        return x.ToArray();
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// One thread's packing buffers for <see cref="Sgemm"/>, sized once for the largest problem an
/// operator will hand it, so that a multiplication allocates nothing.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    private readonly float[] _memory;

    public GemmWorkspace(GemmKernel kernel, int maxM, int maxN, int maxK)
    {
        if (kernel == GemmKernel.Bf16 && Bf16Kernel.UnsupportedReason is { } reason) throw new PlatformNotSupportedException(reason);
        if (!SgemmKernels.IsSupported(kernel)) throw new PlatformNotSupportedException($"This processor cannot run the {kernel} GEMM kernel.");
        Kernel = kernel;
        Mr = SgemmKernels.Mr(kernel);
        Nr = SgemmKernels.Nr(kernel);
        Mc = Sgemm.McFor(kernel);
        int kc = Math.Min(Sgemm.Kc, Math.Max(1, maxK));
        int mc = Math.Min(Mc, RoundUp(Math.Max(1, maxM), Mr));
        int nc = Math.Min(Sgemm.Nc, RoundUp(Math.Max(1, maxN), Nr));
        PackACapacity = mc * kc;
        PackBCapacity = nc * kc;

        // One pinned block, each part aligned to a cache line.
        int packA = RoundUp(PackACapacity, 16), packB = RoundUp(PackBCapacity, 16), tile = RoundUp(Mr * Nr, 16);
        _memory = GC.AllocateArray<float>(packA + packB + tile + 16, pinned: true);
        float* start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_memory));
        float* aligned = (float*)(((nint)start + 63) & ~(nint)63);
        PackA = aligned;
        PackB = aligned + packA;
        Tile = aligned + packA + packB;
    }

    public GemmKernel Kernel { get; }
    public int Mr { get; }
    public int Nr { get; }
    public int Mc { get; }
    public int PackACapacity { get; }
    public int PackBCapacity { get; }

    /// <summary>Ã: up to Mc rows of A, in MR-row panels.</summary>
    public float* PackA { get; }

    /// <summary>B̃: up to Nc columns of B, in NR-column panels.</summary>
    public float* PackB { get; }

    /// <summary>An MR×NR scratch tile for the ragged edges of C.</summary>
    public float* Tile { get; }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}

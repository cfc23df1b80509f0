namespace Cnn.Backends.Cpu;

/// <summary>Which kernels a <see cref="CpuBackend"/> runs.</summary>
public enum CpuKernels
{
    /// <summary>Naive, single-threaded loops: the oracle the fast kernels are tested against.</summary>
    Reference,

    /// <summary>Packed SIMD GEMM, im2col convolution and vectorised loops, split over worker threads.</summary>
    Fast,
}

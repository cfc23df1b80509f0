namespace Cnn.Backends.Cpu;

/// <summary>The arithmetic of a fast <see cref="CpuBackend"/>'s matrix products (convolutions through im2col, linear layers).</summary>
public enum MatrixPrecision
{
    /// <summary>fp32 operands, fp32 accumulation: the default.</summary>
    Single,

    /// <summary>
    /// Operands rounded to bf16 (8 bits of mantissa, nearest even) and multiplied with AVX512_BF16's
    /// <c>vdpbf16ps</c>, accumulated in fp32; results, weights, gradients and everything outside the
    /// products stay fp32. Linux x64 with AVX512_BF16 only: elsewhere the backend's constructor throws
    /// <see cref="PlatformNotSupportedException"/> naming the reason. Convolutions run im2col GEMMs
    /// (no Winograd); the direct convolution of a first layer with one or few input channels, and the
    /// small-batch dot products of linear layers, stay fp32.
    /// </summary>
    BFloat16,
}

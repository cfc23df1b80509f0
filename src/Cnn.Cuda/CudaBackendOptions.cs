namespace Cnn.Cuda;

/// <summary>How a <see cref="CudaBackend"/> is set up. The defaults reproduce the CPU reference to float precision.</summary>
public sealed record CudaBackendOptions
{
    /// <summary>The CUDA device ordinal, as the driver numbers devices (CUDA_VISIBLE_DEVICES applies).</summary>
    public int Device { get; init; }

    /// <summary>
    /// Lets cuBLAS (CUBLAS_TF32_TENSOR_OP_MATH) and cuDNN (tensor-op math) multiply in TF32 on Ampere
    /// and later: faster, with about 10 bits of mantissa in the products. Off by default, as PyTorch
    /// has it for matrix products, so that results match the CPU backend to float precision.
    /// </summary>
    public bool AllowTf32 { get; init; }

    /// <summary>The most workspace one convolution algorithm may use; the search skips algorithms that need more.</summary>
    public long MaxConvolutionWorkspaceBytes { get; init; } = 1L << 30;

    /// <summary>cuBLAS's own workspace, set explicitly so that GEMMs allocate nothing while a graph is captured (32 MiB suits Hopper).</summary>
    public long CublasWorkspaceBytes { get; init; } = 32L << 20;
}

namespace Cnn.Cuda;

/// <summary>How a <see cref="CudaBackend"/> is set up. The defaults reproduce the CPU reference to float precision.</summary>
/// <remarks>
/// Two fallbacks for a first run on a new GPU or library version take their defaults from the
/// environment, so that a published test runner can switch them without a rebuild:
/// <c>CNN_CUDA_CAPTURE_MODE</c> (<c>thread-local</c>, <c>global</c> or <c>relaxed</c>) and
/// <c>CNN_CUDA_EXCLUDE_FFT_WINOGRAD=1</c>.
/// </remarks>
public sealed record CudaBackendOptions
{
    /// <summary>The environment variable that sets <see cref="GraphCaptureMode"/>'s default.</summary>
    public const string CaptureModeVariable = "CNN_CUDA_CAPTURE_MODE";

    /// <summary>The environment variable that sets <see cref="ExcludeFftAndWinograd"/>'s default (1 or true).</summary>
    public const string ExcludeFftAndWinogradVariable = "CNN_CUDA_EXCLUDE_FFT_WINOGRAD";

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

    /// <summary>
    /// How a graph capture refuses unsafe calls; thread-local by default. <see cref="CudaGraphCaptureMode.Relaxed"/>
    /// is the fallback if cuDNN's legacy functions are refused inside a capture.
    /// </summary>
    public CudaGraphCaptureMode GraphCaptureMode { get; init; } = ParseCaptureMode(Environment.GetEnvironmentVariable(CaptureModeVariable));

    /// <summary>
    /// Leaves cuDNN's FFT and Winograd convolution algorithms out of the search. They are often the
    /// fastest, but round differently from a direct convolution; the fallback if parity with the CPU
    /// reference misses by small margins.
    /// </summary>
    public bool ExcludeFftAndWinograd { get; init; } = Environment.GetEnvironmentVariable(ExcludeFftAndWinogradVariable) is "1" or "true";

    /// <summary>Reads a capture mode as <see cref="CaptureModeVariable"/> spells it; null or empty is the default.</summary>
    /// <exception cref="ArgumentException">Another word, named in the message.</exception>
    public static CudaGraphCaptureMode ParseCaptureMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "thread-local" or "threadlocal" => CudaGraphCaptureMode.ThreadLocal,
        "global" => CudaGraphCaptureMode.Global,
        "relaxed" => CudaGraphCaptureMode.Relaxed,
        _ => throw new ArgumentException($"{CaptureModeVariable} is '{text}'; use thread-local, global or relaxed.", nameof(text)),
    };
}

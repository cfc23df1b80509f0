namespace Cnn.Cuda;

/// <summary>
/// A call into the CUDA driver, cuBLAS, cuDNN or NVRTC failed. The message names the operation that
/// was running (the layer's kind and shape, or the backend call), the native function, and the
/// status decoded by the library itself (cuDNN 9 adds its last detailed error message).
/// </summary>
public sealed class CudaException : Exception
{
    /// <summary>A failure of <paramref name="function"/> in <paramref name="library"/> while doing <paramref name="operation"/>.</summary>
    /// <param name="library">"CUDA driver", "cuBLAS", "cuDNN" or "NVRTC".</param>
    /// <param name="function">The native function that failed.</param>
    /// <param name="status">Its raw status code.</param>
    /// <param name="statusName">The status's name as the library decodes it.</param>
    /// <param name="detail">The library's own detail, or null.</param>
    /// <param name="operation">What the backend was doing.</param>
    public CudaException(string library, string function, int status, string statusName, string? detail, string operation)
        : base(Format(library, function, status, statusName, detail, operation))
    {
        Library = library;
        Function = function;
        Status = status;
        StatusName = statusName;
        Operation = operation;
    }

    /// <summary>"CUDA driver", "cuBLAS", "cuDNN" or "NVRTC".</summary>
    public string Library { get; }

    /// <summary>The native function that failed, e.g. "cudnnConvolutionForward".</summary>
    public string Function { get; }

    /// <summary>The raw status code.</summary>
    public int Status { get; }

    /// <summary>The status's name, e.g. "CUDNN_STATUS_BAD_PARAM".</summary>
    public string StatusName { get; }

    /// <summary>What the backend was doing, e.g. "Conv2d 64→128 3×3 stride 2 on 64×56×56, forward, batch 32".</summary>
    public string Operation { get; }

    private static string Format(string library, string function, int status, string statusName, string? detail, string operation)
    {
        string text = $"{operation}: {function} ({library}) returned {statusName} ({status})";
        return string.IsNullOrWhiteSpace(detail) ? text + "." : $"{text}: {detail.Trim()}";
    }
}

/// <summary>An NVIDIA library could not be loaded; the message lists every place that was tried, in order.</summary>
public sealed class CudaLibraryNotFoundException : DllNotFoundException
{
    /// <summary>A failure to load <paramref name="library"/>; <paramref name="message"/> lists the places tried.</summary>
    public CudaLibraryNotFoundException(string library, string message) : base(message) => LibraryName = library;

    /// <summary>Which library, e.g. "cuDNN 9".</summary>
    public string LibraryName { get; }
}

/// <summary>No CUDA device can be used: the driver is missing, cuInit failed, or there is no device with that ordinal.</summary>
public sealed class CudaUnavailableException : Exception
{
    /// <summary>CUDA cannot be used, for the reason in <paramref name="message"/>; <paramref name="inner"/> is the underlying failure, if any.</summary>
    public CudaUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

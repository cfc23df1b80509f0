using System.Runtime.CompilerServices;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>A test that needs a CUDA device and Fashion-MNIST (Debian's dataset-fashion-mnist); skipped, with the reason, when either is missing.</summary>
public sealed class CudaFashionMnistFactAttribute : FactAttribute
{
    public CudaFashionMnistFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (!CudaTestDevice.IsAvailable) Skip = CudaTestDevice.SkipReason;
        else if (!Directory.Exists(CudaTestEnvironment.FashionMnistDirectory))
            Skip = $"Fashion-MNIST is not in {CudaTestEnvironment.FashionMnistDirectory}; install Debian's dataset-fashion-mnist (.ci/run does), or set CNN_FASHION_MNIST_DIR.";
    }
}

using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>Status codes decode to the headers' names, with or without the libraries present; failures name the operation.</summary>
public class StatusDecodingTests
{
    [Theory]
    [InlineData(0, "CUDA_SUCCESS")]
    [InlineData(2, "CUDA_ERROR_OUT_OF_MEMORY")]
    [InlineData(100, "CUDA_ERROR_NO_DEVICE")]
    [InlineData(209, "CUDA_ERROR_NO_BINARY_FOR_GPU")]
    [InlineData(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [InlineData(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [InlineData(901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED")]
    public void DriverResults_DecodeToTheirNames(int code, string name)
    {
        Assert.Equal(name, StatusNames.Driver(code));
        Assert.Equal(name, CudaDriver.Decode(code).Name); // the driver's own decoder, when it is there, agrees
    }

    [Theory]
    [InlineData(0, "CUBLAS_STATUS_SUCCESS")]
    [InlineData(7, "CUBLAS_STATUS_INVALID_VALUE")]
    [InlineData(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
    [InlineData(15, "CUBLAS_STATUS_NOT_SUPPORTED")]
    public void CublasStatuses_DecodeToTheirNames(int code, string name)
    {
        Assert.Equal(name, StatusNames.Cublas(code));
        Assert.Equal(name, Cublas.Decode(code).Name);
    }

    [Theory]
    [InlineData(0, "CUDNN_STATUS_SUCCESS")]
    [InlineData(1001, "CUDNN_STATUS_NOT_INITIALIZED")]
    [InlineData(1002, "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH")]
    [InlineData(2000, "CUDNN_STATUS_BAD_PARAM")]
    [InlineData(2003, "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER")]
    [InlineData(3000, "CUDNN_STATUS_NOT_SUPPORTED")]
    [InlineData(4000, "CUDNN_STATUS_INTERNAL_ERROR")]
    [InlineData(5000, "CUDNN_STATUS_EXECUTION_FAILED")]
    public void Cudnn9Statuses_DecodeToTheirNames(int code, string name)
    {
        Assert.Equal(name, StatusNames.Cudnn(code));
        Assert.Equal(name, Cudnn.Decode(code).Name);
    }

    [Theory]
    [InlineData(6, "NVRTC_ERROR_COMPILATION")]
    [InlineData(5, "NVRTC_ERROR_INVALID_OPTION")]
    public void NvrtcResults_DecodeToTheirNames(int code, string name)
    {
        Assert.Equal(name, StatusNames.Nvrtc(code));
        Assert.Equal(name, Nvrtc.Error(code, "nvrtcCompileProgram", "compiling").StatusName);
    }

    [Fact]
    public void UnknownCodes_StillSayWhichEnumAndValue()
    {
        Assert.Equal("CUresult 12345", StatusNames.Driver(12345));
        Assert.Equal("cudnnStatus_t 9999", StatusNames.Cudnn(9999));
        Assert.Equal("cublasStatus_t 99", StatusNames.Cublas(99));
    }

    [Fact]
    public void Failure_NamesTheOperationTheFunctionAndTheStatus()
    {
        CudaException e = Cudnn.Error(2000, "cudnnConvolutionForward", "cuda:0: Conv2d 64→128 3×3 stride 2×2 padding 1×1 on 64×56×56, forward, batch 32");

        Assert.StartsWith("cuda:0: Conv2d 64→128 3×3 stride 2×2 padding 1×1 on 64×56×56, forward, batch 32: cudnnConvolutionForward (cuDNN) returned CUDNN_STATUS_BAD_PARAM (2000)", e.Message);
        Assert.Equal("cuDNN", e.Library);
        Assert.Equal(2000, e.Status);
        Assert.Equal("CUDNN_STATUS_BAD_PARAM", e.StatusName);
        Assert.Equal("cudnnConvolutionForward", e.Function);
    }

    [Fact]
    public void DriverFailure_CarriesTheDescription()
    {
        CudaException e = CudaDriver.Error(2, "cuMemAlloc", "cuda:0: Upload");
        Assert.Contains("cuMemAlloc (CUDA driver) returned CUDA_ERROR_OUT_OF_MEMORY (2)", e.Message);
    }
}

using System.Runtime.InteropServices;
using System.Text;
using Cnn.Cuda.Interop;

namespace Cnn.Cuda.Native;

/// <summary>
/// cuDNN 9's legacy API (libcudnn.so.9): descriptors, convolution with a measured algorithm search,
/// pooling, activations, softmax and batch normalisation. cuDNN 9 deprecates but still exports these;
/// the shim libcudnn.so.9 forwards them to libcudnn_ops.so.9 and libcudnn_cnn.so.9, which the
/// locator preloads from the same folder.
/// </summary>
internal static unsafe partial class Cudnn
{
    private const string Library = "cudnn";

    // cudnnDataType_t, cudnnTensorFormat_t
    public const int DataFloat = 0;
    public const int TensorNchw = 0;

    // cudnnConvolutionMode_t: PyTorch's convolution is a cross-correlation.
    public const int CrossCorrelation = 1;

    // cudnnMathType_t. On Ampere and later, DEFAULT_MATH allows TF32; FMA_MATH keeps float convolutions in float.
    public const int DefaultMath = 0;
    public const int TensorOpMath = 1;
    public const int FmaMath = 3;

    // cudnnPoolingMode_t, cudnnNanPropagation_t
    public const int PoolingMax = 0;
    public const int PoolingAverageCountIncludePadding = 1;
    public const int PoolingAverageCountExcludePadding = 2;
    public const int NotPropagateNan = 0;
    public const int PropagateNan = 1;

    // cudnnActivationMode_t
    public const int ActivationSigmoid = 0;
    public const int ActivationRelu = 1;
    public const int ActivationTanh = 2;

    // cudnnSoftmaxAlgorithm_t, cudnnSoftmaxMode_t
    public const int SoftmaxAccurate = 1;
    public const int SoftmaxLog = 2;
    public const int SoftmaxModeInstance = 0;

    // cudnnBatchNormMode_t
    public const int BatchNormPerActivation = 0;
    public const int BatchNormSpatial = 1;

    [LibraryImport(Library)] public static partial nuint cudnnGetVersion();
    [LibraryImport(Library)] public static partial int cudnnCreate(out nint handle);
    [LibraryImport(Library)] public static partial int cudnnDestroy(nint handle);
    [LibraryImport(Library)] public static partial int cudnnSetStream(nint handle, nint stream);
    [LibraryImport(Library)] public static partial nint cudnnGetErrorString(int status);
    [LibraryImport(Library)] public static partial void cudnnGetLastErrorString(byte* message, nuint maxSize);

    [LibraryImport(Library)] public static partial int cudnnCreateTensorDescriptor(out nint descriptor);
    [LibraryImport(Library)] public static partial int cudnnSetTensor4dDescriptor(nint descriptor, int format, int dataType, int n, int c, int h, int w);
    [LibraryImport(Library)] public static partial int cudnnDestroyTensorDescriptor(nint descriptor);

    [LibraryImport(Library)] public static partial int cudnnCreateFilterDescriptor(out nint descriptor);
    // Note the order: data type before format, unlike cudnnSetTensor4dDescriptor.
    [LibraryImport(Library)] public static partial int cudnnSetFilter4dDescriptor(nint descriptor, int dataType, int format, int k, int c, int h, int w);
    [LibraryImport(Library)] public static partial int cudnnDestroyFilterDescriptor(nint descriptor);

    [LibraryImport(Library)] public static partial int cudnnCreateConvolutionDescriptor(out nint descriptor);
    [LibraryImport(Library)]
    public static partial int cudnnSetConvolution2dDescriptor(nint descriptor, int padH, int padW, int strideH, int strideW, int dilationH, int dilationW, int mode, int computeType);
    [LibraryImport(Library)] public static partial int cudnnSetConvolutionGroupCount(nint descriptor, int groups);
    [LibraryImport(Library)] public static partial int cudnnSetConvolutionMathType(nint descriptor, int mathType);
    [LibraryImport(Library)] public static partial int cudnnGetConvolution2dForwardOutputDim(nint convolution, nint input, nint filter, out int n, out int c, out int h, out int w);
    [LibraryImport(Library)] public static partial int cudnnDestroyConvolutionDescriptor(nint descriptor);

    [LibraryImport(Library)] public static partial int cudnnGetConvolutionForwardAlgorithmMaxCount(nint handle, out int count);
    [LibraryImport(Library)] public static partial int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(nint handle, out int count);
    [LibraryImport(Library)] public static partial int cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(nint handle, out int count);

    [LibraryImport(Library)]
    public static partial int cudnnFindConvolutionForwardAlgorithmEx(nint handle, nint xDesc, ulong x, nint wDesc, ulong w, nint convDesc, nint yDesc, ulong y,
        int requestedCount, out int returnedCount, ConvolutionAlgorithmPerformance* results, ulong workspace, nuint workspaceBytes);
    [LibraryImport(Library)]
    public static partial int cudnnFindConvolutionBackwardDataAlgorithmEx(nint handle, nint wDesc, ulong w, nint dyDesc, ulong dy, nint convDesc, nint dxDesc, ulong dx,
        int requestedCount, out int returnedCount, ConvolutionAlgorithmPerformance* results, ulong workspace, nuint workspaceBytes);
    [LibraryImport(Library)]
    public static partial int cudnnFindConvolutionBackwardFilterAlgorithmEx(nint handle, nint xDesc, ulong x, nint dyDesc, ulong dy, nint convDesc, nint dwDesc, ulong dw,
        int requestedCount, out int returnedCount, ConvolutionAlgorithmPerformance* results, ulong workspace, nuint workspaceBytes);

    [LibraryImport(Library)]
    public static partial int cudnnGetConvolutionForwardWorkspaceSize(nint handle, nint xDesc, nint wDesc, nint convDesc, nint yDesc, int algorithm, out nuint bytes);
    [LibraryImport(Library)]
    public static partial int cudnnGetConvolutionBackwardDataWorkspaceSize(nint handle, nint wDesc, nint dyDesc, nint convDesc, nint dxDesc, int algorithm, out nuint bytes);
    [LibraryImport(Library)]
    public static partial int cudnnGetConvolutionBackwardFilterWorkspaceSize(nint handle, nint xDesc, nint dyDesc, nint convDesc, nint dwDesc, int algorithm, out nuint bytes);

    [LibraryImport(Library)]
    public static partial int cudnnConvolutionForward(nint handle, float* alpha, nint xDesc, ulong x, nint wDesc, ulong w, nint convDesc, int algorithm,
        ulong workspace, nuint workspaceBytes, float* beta, nint yDesc, ulong y);
    [LibraryImport(Library)]
    public static partial int cudnnConvolutionBackwardData(nint handle, float* alpha, nint wDesc, ulong w, nint dyDesc, ulong dy, nint convDesc, int algorithm,
        ulong workspace, nuint workspaceBytes, float* beta, nint dxDesc, ulong dx);
    [LibraryImport(Library)]
    public static partial int cudnnConvolutionBackwardFilter(nint handle, float* alpha, nint xDesc, ulong x, nint dyDesc, ulong dy, nint convDesc, int algorithm,
        ulong workspace, nuint workspaceBytes, float* beta, nint dwDesc, ulong dw);
    [LibraryImport(Library)]
    public static partial int cudnnConvolutionBackwardBias(nint handle, float* alpha, nint dyDesc, ulong dy, float* beta, nint dbDesc, ulong db);
    [LibraryImport(Library)]
    public static partial int cudnnAddTensor(nint handle, float* alpha, nint aDesc, ulong a, float* beta, nint cDesc, ulong c);

    [LibraryImport(Library)] public static partial int cudnnCreatePoolingDescriptor(out nint descriptor);
    [LibraryImport(Library)]
    public static partial int cudnnSetPooling2dDescriptor(nint descriptor, int mode, int nanPropagation, int windowH, int windowW, int padH, int padW, int strideH, int strideW);
    [LibraryImport(Library)] public static partial int cudnnDestroyPoolingDescriptor(nint descriptor);
    [LibraryImport(Library)]
    public static partial int cudnnPoolingForward(nint handle, nint poolingDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);
    [LibraryImport(Library)]
    public static partial int cudnnPoolingBackward(nint handle, nint poolingDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy, nint xDesc, ulong x,
        float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Library)] public static partial int cudnnCreateActivationDescriptor(out nint descriptor);
    [LibraryImport(Library)] public static partial int cudnnSetActivationDescriptor(nint descriptor, int mode, int nanPropagation, double coefficient);
    [LibraryImport(Library)] public static partial int cudnnDestroyActivationDescriptor(nint descriptor);
    [LibraryImport(Library)]
    public static partial int cudnnActivationForward(nint handle, nint activationDesc, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);
    [LibraryImport(Library)]
    public static partial int cudnnActivationBackward(nint handle, nint activationDesc, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy, nint xDesc, ulong x,
        float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Library)]
    public static partial int cudnnSoftmaxForward(nint handle, int algorithm, int mode, float* alpha, nint xDesc, ulong x, float* beta, nint yDesc, ulong y);
    [LibraryImport(Library)]
    public static partial int cudnnSoftmaxBackward(nint handle, int algorithm, int mode, float* alpha, nint yDesc, ulong y, nint dyDesc, ulong dy, float* beta, nint dxDesc, ulong dx);

    [LibraryImport(Library)] public static partial int cudnnDeriveBNTensorDescriptor(nint derivedDesc, nint xDesc, int mode);
    [LibraryImport(Library)]
    public static partial int cudnnBatchNormalizationForwardTraining(nint handle, int mode, float* alpha, float* beta, nint xDesc, ulong x, nint yDesc, ulong y,
        nint bnDesc, ulong scale, ulong bias, double exponentialAverageFactor, ulong runningMean, ulong runningVariance, double epsilon,
        ulong saveMean, ulong saveInverseVariance);
    [LibraryImport(Library)]
    public static partial int cudnnBatchNormalizationForwardInference(nint handle, int mode, float* alpha, float* beta, nint xDesc, ulong x, nint yDesc, ulong y,
        nint bnDesc, ulong scale, ulong bias, ulong estimatedMean, ulong estimatedVariance, double epsilon);
    [LibraryImport(Library)]
    public static partial int cudnnBatchNormalizationBackward(nint handle, int mode, float* alphaData, float* betaData, float* alphaParameters, float* betaParameters,
        nint xDesc, ulong x, nint dyDesc, ulong dy, nint dxDesc, ulong dx, nint bnDesc, ulong scale, ulong scaleGradient, ulong biasGradient,
        double epsilon, ulong savedMean, ulong savedInverseVariance);

    public static void Check(int status, string function, string operation)
    {
        if (status != 0) throw Error(status, function, operation);
    }

    public static CudaException Error(int status, string function, string operation)
    {
        (string name, string? detail) = Decode(status);
        return new CudaException("cuDNN", function, status, name, detail, operation);
    }

    /// <summary>cudnnGetErrorString names the status; cuDNN 9's cudnnGetLastErrorString says what was wrong.</summary>
    public static (string Name, string? Detail) Decode(int status)
    {
        try
        {
            string name = Marshal.PtrToStringUTF8(cudnnGetErrorString(status)) ?? StatusNames.Cudnn(status);
            const int size = 1024;
            byte* buffer = stackalloc byte[size];
            buffer[0] = 0;
            cudnnGetLastErrorString(buffer, size);
            buffer[size - 1] = 0;
            string detail = Encoding.UTF8.GetString(buffer, new ReadOnlySpan<byte>(buffer, size).IndexOf((byte)0));
            return (name, detail.Length > 0 ? detail : null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return (StatusNames.Cudnn(status), null);
        }
    }
}

/// <summary>
/// cudnnConvolutionFwdAlgoPerf_t, and the backward-data and backward-filter variants, which share
/// this layout: algo, status, time, memory (size_t), determinism, mathType, reserved[3].
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ConvolutionAlgorithmPerformance
{
    public int Algorithm;
    public int Status;
    public float Time;
    public nuint Memory;
    public int Determinism;
    public int MathType;
    public int Reserved0, Reserved1, Reserved2;
}

using System.Runtime.InteropServices;
using Cnn.Cuda.Interop;

namespace Cnn.Cuda.Native;

/// <summary>
/// cuBLAS (libcublas.so.12 or .13), the _v2 API that cublas_v2.h maps the plain names to. Column
/// major throughout; <see cref="Operators.RowMajorGemm"/> maps the row-major products onto it.
/// </summary>
internal static unsafe partial class Cublas
{
    private const string Library = "cublas";

    // cublasOperation_t
    public const int OpN = 0;
    public const int OpT = 1;

    // cublasMath_t. Default math never lowers a float GEMM below float precision, so it uses no
    // TF32 (unless NVIDIA_TF32_OVERRIDE=1 forces it); TF32 tensor-op math is the opt-in.
    public const int DefaultMath = 0;
    public const int PedanticMath = 2;
    public const int Tf32TensorOpMath = 3;

    [LibraryImport(Library)] public static partial int cublasCreate_v2(out nint handle);
    [LibraryImport(Library)] public static partial int cublasDestroy_v2(nint handle);
    [LibraryImport(Library)] public static partial int cublasGetVersion_v2(nint handle, out int version);
    [LibraryImport(Library)] public static partial int cublasSetStream_v2(nint handle, nint stream);
    [LibraryImport(Library)] public static partial int cublasSetWorkspace_v2(nint handle, ulong workspace, nuint bytes);
    [LibraryImport(Library)] public static partial int cublasSetMathMode(nint handle, int mode);

    [LibraryImport(Library)]
    public static partial int cublasSgemm_v2(nint handle, int transA, int transB, int m, int n, int k,
        float* alpha, ulong a, int lda, ulong b, int ldb, float* beta, ulong c, int ldc);

    [LibraryImport(Library)] public static partial nint cublasGetStatusName(int status);
    [LibraryImport(Library)] public static partial nint cublasGetStatusString(int status);

    public static void Check(int status, string function, string operation)
    {
        if (status != 0) throw Error(status, function, operation);
    }

    public static CudaException Error(int status, string function, string operation)
    {
        (string name, string? description) = Decode(status);
        return new CudaException("cuBLAS", function, status, name, description, operation);
    }

    public static (string Name, string? Description) Decode(int status)
    {
        try
        {
            return (Marshal.PtrToStringUTF8(cublasGetStatusName(status)) ?? StatusNames.Cublas(status), Marshal.PtrToStringUTF8(cublasGetStatusString(status)));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return (StatusNames.Cublas(status), null);
        }
    }
}

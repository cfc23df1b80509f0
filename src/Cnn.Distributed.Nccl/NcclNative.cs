using System.Runtime.InteropServices;

namespace Cnn.Distributed.Nccl;

/// <summary>
/// The few functions of NCCL 2's C API that <see cref="NcclCollectives"/> calls, with the enum values of
/// NVIDIA/nccl src/nccl.h.in. <c>ncclComm_t</c> and <c>cudaStream_t</c> are pointers; the stream is the
/// CUDA backend's own (a driver <c>CUstream</c> is the same handle). The library is found by
/// <see cref="NcclLibraryLocator"/>.
/// </summary>
internal static unsafe partial class NcclNative
{
    public const string Library = "libnccl.so.2";

    /// <summary><c>NCCL_VERSION(2, 10, 0)</c>: the first version with <c>ncclAvg</c> (X·10000 + Y·100 + Z since 2.9).</summary>
    public const int MinimumVersion = 21000;

    [LibraryImport(Library)]
    public static partial int ncclGetVersion(out int version);

    [LibraryImport(Library)]
    public static partial int ncclGetUniqueId(out NcclUniqueId uniqueId);

    [LibraryImport(Library)]
    public static partial int ncclCommInitRank(out nint comm, int nranks, NcclUniqueId commId, int rank);

    [LibraryImport(Library)]
    public static partial int ncclAllReduce(void* sendbuff, void* recvbuff, nuint count, NcclDataType datatype, NcclRedOp op, nint comm, nint stream);

    [LibraryImport(Library)]
    public static partial int ncclBroadcast(void* sendbuff, void* recvbuff, nuint count, NcclDataType datatype, int root, nint comm, nint stream);

    [LibraryImport(Library)]
    public static partial int ncclCommDestroy(nint comm);

    [LibraryImport(Library)]
    public static partial int ncclCommAbort(nint comm);

    [LibraryImport(Library)]
    public static partial byte* ncclGetErrorString(int result);

    [LibraryImport(Library)]
    public static partial int ncclCommGetAsyncError(nint comm, out int asyncError);
}

/// <summary><c>ncclResult_t</c> of src/nccl.h.in.</summary>
internal enum NcclResult
{
    Success = 0,
    UnhandledCudaError = 1,
    SystemError = 2,
    InternalError = 3,
    InvalidArgument = 4,
    InvalidUsage = 5,
    RemoteError = 6,
    InProgress = 7,
    Timeout = 8,
}

/// <summary>The <c>ncclDataType_t</c> values used here, of src/nccl.h.in.</summary>
internal enum NcclDataType
{
    Float32 = 7,
    Float64 = 8,
}

/// <summary>The <c>ncclRedOp_t</c> values used here, of src/nccl.h.in (<c>ncclAvg</c> since NCCL 2.10).</summary>
internal enum NcclRedOp
{
    Sum = 0,
    Avg = 4,
}

namespace Cnn.Distributed.Nccl;

/// <summary>An NCCL call failed, timed out, or another rank could not set up; the message names the call and the rank.</summary>
public sealed class NcclException : Exception
{
    /// <summary>An exception with <paramref name="message"/> for the <c>ncclResult_t</c> <paramref name="resultCode"/>.</summary>
    public NcclException(string message, int resultCode, Exception? inner = null) : base(message, inner) => ResultCode = resultCode;

    /// <summary>The <c>ncclResult_t</c> the call returned or reported asynchronously (8, <c>ncclTimeout</c>, when it timed out here).</summary>
    public int ResultCode { get; }

    /// <summary>
    /// The exception for <paramref name="resultCode"/> returned by <paramref name="call"/> on rank
    /// <paramref name="rank"/> of <paramref name="worldSize"/>, with NCCL's own text when the library gave one.
    /// </summary>
    internal static NcclException For(int resultCode, string call, int rank, int worldSize, string? libraryText = null)
    {
        string detail = string.IsNullOrWhiteSpace(libraryText) ? "" : $": {libraryText}";
        return new NcclException($"{call} failed on rank {rank} of {worldSize}: {Name(resultCode)} ({resultCode}){detail}. {Hint(resultCode)}", resultCode);
    }

    /// <summary>The <c>ncclResult_t</c> name of <paramref name="resultCode"/>, as in src/nccl.h.in.</summary>
    internal static string Name(int resultCode) => (NcclResult)resultCode switch
    {
        NcclResult.Success => "ncclSuccess",
        NcclResult.UnhandledCudaError => "ncclUnhandledCudaError",
        NcclResult.SystemError => "ncclSystemError",
        NcclResult.InternalError => "ncclInternalError",
        NcclResult.InvalidArgument => "ncclInvalidArgument",
        NcclResult.InvalidUsage => "ncclInvalidUsage",
        NcclResult.RemoteError => "ncclRemoteError",
        NcclResult.InProgress => "ncclInProgress",
        NcclResult.Timeout => "ncclTimeout",
        _ => "an unknown ncclResult_t",
    };

    private static string Hint(int resultCode) => (NcclResult)resultCode switch
    {
        NcclResult.UnhandledCudaError => "A CUDA call inside NCCL failed; the device may be lost or out of memory.",
        NcclResult.SystemError => "A system call (socket, shared memory, /dev/shm size) failed; NCCL_DEBUG=WARN shows which.",
        NcclResult.InternalError => "NCCL hit an internal error; NCCL_DEBUG=INFO shows more.",
        NcclResult.InvalidArgument or NcclResult.InvalidUsage => "Every rank must make the same calls in the same order with the same lengths, one GPU per rank.",
        NcclResult.RemoteError => "Another rank failed or exited, or the network between them failed.",
        NcclResult.Timeout => "A rank did not take part in time; it may have died or be stuck.",
        _ => "Set NCCL_DEBUG=WARN for NCCL's own log.",
    };
}

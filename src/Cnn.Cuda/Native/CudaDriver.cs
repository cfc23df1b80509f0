using System.Runtime.InteropServices;
using Cnn.Cuda.Interop;

namespace Cnn.Cuda.Native;

/// <summary>
/// The CUDA driver API (libcuda.so.1), bound by the exported, versioned symbol names that cuda.h's
/// macros select (cuMemAlloc → cuMemAlloc_v2, cuStreamBeginCapture → cuStreamBeginCapture_v2, …).
/// Handles are plain <see cref="nint"/> here; the owning <see cref="System.Runtime.InteropServices.SafeHandle"/>s live in CudaHandles.cs.
/// </summary>
internal static unsafe partial class CudaDriver
{
    private const string Library = "cuda";

    // CUdevice_attribute
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    // CUstream_flags: the backend's stream never synchronises with the legacy default stream, so that
    // one backend's copies cannot touch (or be refused by) another backend's graph capture in the same
    // context; every copy is queued on the backend's own stream instead.
    public const uint StreamNonBlocking = 1;

    // CUstreamCaptureMode
    public const int CaptureModeGlobal = 0;
    public const int CaptureModeThreadLocal = 1;
    public const int CaptureModeRelaxed = 2;

    // CUstreamCaptureStatus
    public const int CaptureStatusNone = 0;
    public const int CaptureStatusActive = 1;
    public const int CaptureStatusInvalidated = 2;

    /// <summary>CUDA_ERROR_NOT_READY: what cuStreamQuery returns while work is still queued.</summary>
    public const int ErrorNotReady = 600;

    [LibraryImport(Library)] public static partial int cuInit(uint flags);
    [LibraryImport(Library)] public static partial int cuDriverGetVersion(out int version);
    [LibraryImport(Library)] public static partial int cuDeviceGetCount(out int count);
    [LibraryImport(Library)] public static partial int cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Library)] public static partial int cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Library)] public static partial int cuDeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(Library)] public static partial int cuDeviceTotalMem_v2(out nuint bytes, int device);

    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRetain(out nint context, int device);
    [LibraryImport(Library)] public static partial int cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Library)] public static partial int cuCtxSetCurrent(nint context);
    [LibraryImport(Library)] public static partial int cuCtxSynchronize();

    [LibraryImport(Library)] public static partial int cuMemAlloc_v2(out ulong pointer, nuint bytes);
    [LibraryImport(Library)] public static partial int cuMemFree_v2(ulong pointer);
    [LibraryImport(Library)] public static partial int cuMemGetInfo_v2(out nuint free, out nuint total);

    // Stream-ordered operations, which stream capture records into a graph. Host copies are followed
    // by cuStreamSynchronize (CudaBackend.CopyToDevice/CopyToHost), so the host memory may be reused.
    [LibraryImport(Library)] public static partial int cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Library)] public static partial int cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    [LibraryImport(Library)] public static partial int cuStreamCreate(out nint stream, uint flags);
    [LibraryImport(Library)] public static partial int cuStreamDestroy_v2(nint stream);
    [LibraryImport(Library)] public static partial int cuStreamSynchronize(nint stream);
    [LibraryImport(Library)] public static partial int cuStreamQuery(nint stream);
    [LibraryImport(Library)] public static partial int cuStreamBeginCapture_v2(nint stream, int mode);
    [LibraryImport(Library)] public static partial int cuStreamEndCapture(nint stream, out nint graph);
    [LibraryImport(Library)] public static partial int cuStreamIsCapturing(nint stream, out int status);

    [LibraryImport(Library)] public static partial int cuGraphInstantiateWithFlags(out nint graphExec, nint graph, ulong flags);
    [LibraryImport(Library)] public static partial int cuGraphLaunch(nint graphExec, nint stream);
    [LibraryImport(Library)] public static partial int cuGraphExecDestroy(nint graphExec);
    [LibraryImport(Library)] public static partial int cuGraphDestroy(nint graph);

    [LibraryImport(Library)] public static partial int cuModuleLoadData(out nint module, void* image);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] public static partial int cuModuleGetFunction(out nint function, nint module, string name);
    [LibraryImport(Library)] public static partial int cuModuleUnload(nint module);

    [LibraryImport(Library)]
    public static partial int cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, nint stream, void** parameters, void** extra);

    [LibraryImport(Library)] public static partial int cuGetErrorName(int error, out nint name);
    [LibraryImport(Library)] public static partial int cuGetErrorString(int error, out nint description);

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="function"/> and <paramref name="operation"/> unless <paramref name="status"/> is CUDA_SUCCESS.</summary>
    public static void Check(int status, string function, string operation)
    {
        if (status != 0) throw Error(status, function, operation);
    }

    public static CudaException Error(int status, string function, string operation)
    {
        (string name, string? description) = Decode(status);
        return new CudaException("CUDA driver", function, status, name, description, operation);
    }

    /// <summary>The status's name and description from cuGetErrorName/cuGetErrorString, or from the fallback table.</summary>
    public static (string Name, string? Description) Decode(int status)
    {
        try
        {
            string? name = cuGetErrorName(status, out nint namePointer) == 0 ? Marshal.PtrToStringUTF8(namePointer) : null;
            string? description = cuGetErrorString(status, out nint textPointer) == 0 ? Marshal.PtrToStringUTF8(textPointer) : null;
            return (name ?? StatusNames.Driver(status), description);
        }
        catch (DllNotFoundException)
        {
            return (StatusNames.Driver(status), null);
        }
    }
}

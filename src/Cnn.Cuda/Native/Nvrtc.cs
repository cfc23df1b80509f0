using System.Runtime.InteropServices;
using Cnn.Cuda.Interop;

namespace Cnn.Cuda.Native;

/// <summary>NVRTC (libnvrtc.so.12 or .13): compiles the backend's own CUDA C kernels at run time.</summary>
internal static unsafe partial class Nvrtc
{
    private const string Library = "nvrtc";

    [LibraryImport(Library)] public static partial int nvrtcVersion(out int major, out int minor);
    [LibraryImport(Library)] public static partial int nvrtcGetNumSupportedArchs(out int count);
    [LibraryImport(Library)] public static partial int nvrtcGetSupportedArchs(int* architectures);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int nvrtcCreateProgram(out nint program, string source, string name, int headerCount, byte** headers, byte** includeNames);
    [LibraryImport(Library)] public static partial int nvrtcCompileProgram(nint program, int optionCount, byte** options);
    [LibraryImport(Library)] public static partial int nvrtcGetProgramLogSize(nint program, out nuint size);
    [LibraryImport(Library)] public static partial int nvrtcGetProgramLog(nint program, byte* log);
    [LibraryImport(Library)] public static partial int nvrtcGetPTXSize(nint program, out nuint size);
    [LibraryImport(Library)] public static partial int nvrtcGetPTX(nint program, byte* ptx);
    [LibraryImport(Library)] public static partial int nvrtcGetCUBINSize(nint program, out nuint size);
    [LibraryImport(Library)] public static partial int nvrtcGetCUBIN(nint program, byte* cubin);
    [LibraryImport(Library)] public static partial int nvrtcDestroyProgram(ref nint program);
    [LibraryImport(Library)] public static partial nint nvrtcGetErrorString(int result);

    public static void Check(int status, string function, string operation, string? log = null)
    {
        if (status != 0) throw Error(status, function, operation, log);
    }

    public static CudaException Error(int status, string function, string operation, string? log = null)
    {
        string name;
        try
        {
            name = Marshal.PtrToStringUTF8(nvrtcGetErrorString(status)) ?? StatusNames.Nvrtc(status);
        }
        catch (DllNotFoundException)
        {
            name = StatusNames.Nvrtc(status);
        }
        return new CudaException("NVRTC", function, status, name, log, operation);
    }
}

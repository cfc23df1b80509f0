using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Kernels;

/// <summary>A compiled image of <see cref="KernelSource"/>: a CUBIN for the device's own architecture, or PTX that the driver compiles further.</summary>
internal sealed record CompiledKernels(byte[] Image, string Target, bool IsCubin, string NvrtcVersion);

/// <summary>
/// Compiles <see cref="KernelSource"/> with NVRTC, once per process and compute capability. NVRTC was
/// chosen over ILGPU because it adds no managed dependency: the kernels are plain CUDA C, and the
/// only cost is libnvrtc at run time, which every CUDA install and pip's nvidia-cuda-nvrtc wheel provide.
/// </summary>
internal static unsafe class KernelCompiler
{
    private static readonly ConcurrentDictionary<int, Lazy<CompiledKernels>> s_cache = new();

    /// <summary>The compiled kernels for compute capability <paramref name="computeCapability"/> (e.g. 90 for 9.0).</summary>
    public static CompiledKernels For(int computeCapability, string operation)
    {
        Lazy<CompiledKernels> entry = s_cache.GetOrAdd(computeCapability, cc => new Lazy<CompiledKernels>(() => Compile(cc, operation)));
        try
        {
            return entry.Value;
        }
        catch
        {
            s_cache.TryRemove(computeCapability, out _); // let a later backend try again
            throw;
        }
    }

    /// <summary>
    /// Picks the NVRTC target: the device's own sm_XY (a CUBIN, which needs no driver JIT) when NVRTC
    /// supports it; otherwise PTX for the newest architecture NVRTC knows below the device, which the
    /// driver compiles for the device. Null when NVRTC supports nothing at or below the device.
    /// </summary>
    public static (string Target, bool Cubin)? ChooseTarget(int computeCapability, IReadOnlyCollection<int> supported)
    {
        if (supported.Contains(computeCapability)) return ($"sm_{computeCapability}", true);
        int best = supported.Where(a => a < computeCapability).DefaultIfEmpty(-1).Max();
        return best < 0 ? null : ($"compute_{best}", false);
    }

    /// <summary>The NVRTC options for <paramref name="target"/>.</summary>
    public static string[] Options(string target) => [$"--gpu-architecture={target}", "--fmad=false"];

    private static CompiledKernels Compile(int computeCapability, string operation)
    {
        NativeLibraryLocator.Require(NativeLibrarySpec.Nvrtc);
        Nvrtc.Check(Nvrtc.nvrtcVersion(out int major, out int minor), "nvrtcVersion", operation);
        Nvrtc.Check(Nvrtc.nvrtcGetNumSupportedArchs(out int count), "nvrtcGetNumSupportedArchs", operation);
        int[] architectures = new int[count];
        fixed (int* a = architectures) Nvrtc.Check(Nvrtc.nvrtcGetSupportedArchs(a), "nvrtcGetSupportedArchs", operation);
        string version = $"{major}.{minor}";
        (string target, bool cubin) = ChooseTarget(computeCapability, architectures)
            ?? throw new CudaUnavailableException(
                $"NVRTC {version} compiles for compute capabilities {string.Join(", ", architectures)}, none of them at or below the device's {computeCapability / 10}.{computeCapability % 10}.");

        Nvrtc.Check(Nvrtc.nvrtcCreateProgram(out nint program, KernelSource.Source, "cnn_kernels.cu", 0, null, null), "nvrtcCreateProgram", operation);
        try
        {
            string[] options = Options(target);
            nint[] optionPointers = options.Select(o => Marshal.StringToCoTaskMemUTF8(o)).ToArray();
            int status;
            try
            {
                fixed (nint* p = optionPointers) status = Nvrtc.nvrtcCompileProgram(program, options.Length, (byte**)p);
            }
            finally
            {
                foreach (nint p in optionPointers) Marshal.FreeCoTaskMem(p);
            }
            if (status != 0) throw Nvrtc.Error(status, "nvrtcCompileProgram", $"{operation}: compiling the backend's kernels for {target} with NVRTC {version}", Log(program));

            byte[] image;
            if (cubin)
            {
                Nvrtc.Check(Nvrtc.nvrtcGetCUBINSize(program, out nuint size), "nvrtcGetCUBINSize", operation);
                image = new byte[(int)size];
                fixed (byte* i = image) Nvrtc.Check(Nvrtc.nvrtcGetCUBIN(program, i), "nvrtcGetCUBIN", operation);
            }
            else
            {
                // The PTX size includes its terminating NUL, which cuModuleLoadData needs.
                Nvrtc.Check(Nvrtc.nvrtcGetPTXSize(program, out nuint size), "nvrtcGetPTXSize", operation);
                image = new byte[(int)size];
                fixed (byte* i = image) Nvrtc.Check(Nvrtc.nvrtcGetPTX(program, i), "nvrtcGetPTX", operation);
            }
            return new CompiledKernels(image, target, cubin, version);
        }
        finally
        {
            Nvrtc.nvrtcDestroyProgram(ref program);
        }
    }

    private static string? Log(nint program)
    {
        if (Nvrtc.nvrtcGetProgramLogSize(program, out nuint size) != 0 || size <= 1) return null;
        byte[] log = new byte[(int)size];
        fixed (byte* l = log)
        {
            if (Nvrtc.nvrtcGetProgramLog(program, l) != 0) return null;
        }
        return Encoding.UTF8.GetString(log, 0, Math.Max(0, log.Length - 1));
    }
}

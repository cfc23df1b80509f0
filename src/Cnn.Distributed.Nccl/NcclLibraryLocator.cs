using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cnn.Cuda.Interop;

namespace Cnn.Distributed.Nccl;

/// <summary>
/// Finds NCCL's <c>libnccl.so.2</c> by versioned name, in this order: the folders or files listed in
/// <c>CNN_NCCL_LIBRARY_PATH</c>; the dynamic loader's own search (LD_LIBRARY_PATH and ld.so.cache, the
/// list <c>ldconfig -p</c> prints, where NVIDIA's libnccl2 package puts it); the <c>nvidia/*/lib</c>
/// folders of Python's site-packages (the nvidia-nccl-cu12 wheel's <c>nvidia/nccl/lib</c>); the CUDA
/// toolkit's folder. A failure lists every place tried.
/// </summary>
internal static class NcclLibraryLocator
{
    /// <summary>The environment variable that names folders (or files) to try first, separated by ':'.</summary>
    public const string PathVariable = "CNN_NCCL_LIBRARY_PATH";

    private static readonly string[] s_folders = ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"];

    private static readonly Lock s_lock = new();
    private static nint s_handle;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any binding runs.")]
    internal static void RegisterResolver() => NativeLibrary.SetDllImportResolver(typeof(NcclLibraryLocator).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == NcclNative.Library && TryLoad(out nint handle, out _) ? handle : 0;

    /// <summary>Loads libnccl (once per process) or throws a <see cref="NcclLibraryNotFoundException"/> that lists every place tried.</summary>
    public static nint Require() => TryLoad(out nint handle, out string? failure) ? handle : throw new NcclLibraryNotFoundException(failure!);

    public static bool TryLoad(out nint handle, out string? failure)
    {
        lock (s_lock)
        {
            failure = null;
            if (s_handle != 0)
            {
                handle = s_handle;
                return true;
            }
            var tried = new List<string>();
            foreach (string candidate in Candidates(Environment.GetEnvironmentVariable(PathVariable), PythonSitePackages.NvidiaLibraryFolders()))
            {
                tried.Add(candidate);
                if (NativeLibrary.TryLoad(candidate, out handle))
                {
                    s_handle = handle;
                    return true;
                }
            }
            handle = 0;
            failure = $"NCCL's {NcclNative.Library} was not found. Tried: {string.Join(", ", tried)}. " +
                $"Install it ('pip install nvidia-nccl-cu12', or libnccl2 from NVIDIA's CUDA repository) or name its folder in {PathVariable}.";
            return false;
        }
    }

    /// <summary>
    /// The places tried, in order: <paramref name="overridePaths"/> (folders or files, ':'-separated), the
    /// bare name (the dynamic loader's search), <paramref name="sitePackageFolders"/>, the usual folders.
    /// </summary>
    internal static IEnumerable<string> Candidates(string? overridePaths, IEnumerable<string> sitePackageFolders)
    {
        foreach (string entry in (overridePaths ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return entry.EndsWith(".so", StringComparison.Ordinal) || entry.Contains(".so.", StringComparison.Ordinal) ? entry : Path.Combine(entry, NcclNative.Library);
        yield return NcclNative.Library;
        foreach (string folder in sitePackageFolders) yield return Path.Combine(folder, NcclNative.Library);
        foreach (string folder in s_folders) yield return Path.Combine(folder, NcclNative.Library);
    }
}

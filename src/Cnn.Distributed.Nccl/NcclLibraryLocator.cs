using System.Runtime.CompilerServices;
using Cnn.Cuda.Interop;

namespace Cnn.Distributed.Nccl;

/// <summary>
/// Finds NCCL's <c>libnccl.so.2</c> by versioned name, in this order: the folders or files listed in
/// <c>CNN_NCCL_LIBRARY_PATH</c>; the dynamic loader's own search (LD_LIBRARY_PATH and ld.so.cache, the
/// list <c>ldconfig -p</c> prints, where NVIDIA's libnccl2 package puts it); the <c>nvidia/*/lib</c>
/// folders of Python's site-packages (the nvidia-nccl-cu12 wheel's <c>nvidia/nccl/lib</c>); the CUDA
/// toolkit's folder. A failure lists every place tried (the search is <see cref="VersionedNativeLibrary"/>).
/// </summary>
internal static class NcclLibraryLocator
{
    /// <summary>The environment variable that names folders (or files) to try first, separated by ':'.</summary>
    public const string PathVariable = "CNN_NCCL_LIBRARY_PATH";

    private static readonly string[] s_folders = ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"];

    private static readonly VersionedNativeLibrary s_library = new(NcclNative.Library, PathVariable, () => Folders(PythonSitePackages.NvidiaLibraryFolders()),
        tried => new NcclLibraryNotFoundException($"NCCL's {NcclNative.Library} was not found. Tried: {tried}. " +
            $"Install it ('pip install nvidia-nccl-cu12', or libnccl2 from NVIDIA's CUDA repository) or name its folder in {PathVariable}."));

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any binding runs.")]
    internal static void RegisterResolver() => s_library.RegisterResolver(typeof(NcclLibraryLocator).Assembly);

    /// <summary>Loads libnccl (once per process) or throws a <see cref="NcclLibraryNotFoundException"/> that lists every place tried.</summary>
    public static nint Require() => s_library.Require();

    /// <summary>Loads libnccl (once per process), or returns false with the exception that <see cref="Require"/> would throw.</summary>
    public static bool TryLoad(out nint handle, out Exception? failure) => s_library.TryLoad(out handle, out failure);

    /// <summary>
    /// The places tried, in order: <paramref name="overridePaths"/> (folders or files, ':'-separated), the
    /// bare name (the dynamic loader's search), <paramref name="sitePackageFolders"/>, the usual folders.
    /// </summary>
    internal static IEnumerable<string> Candidates(string? overridePaths, IEnumerable<string> sitePackageFolders) =>
        VersionedNativeLibrary.Candidates(NcclNative.Library, overridePaths, Folders(sitePackageFolders));

    private static IEnumerable<string> Folders(IEnumerable<string> sitePackageFolders) => sitePackageFolders.Concat(s_folders);
}

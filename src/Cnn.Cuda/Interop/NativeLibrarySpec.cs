using System.Runtime.InteropServices;

namespace Cnn.Cuda.Interop;

/// <summary>
/// One NVIDIA library: the name its <see cref="LibraryImportAttribute"/> bindings use, the versioned
/// file names to look for (preferred first), and the companions to preload from the folder where it
/// is found (libraries that it opens by name at run time, which the loader would not find there).
/// </summary>
/// <remarks>
/// cuBLAS and NVRTC come in one file per CUDA major version (<see cref="FollowsCudaMajor"/>): the one
/// that matches the CUDA version cuDNN was built for is tried first, so that the majors never mix.
/// </remarks>
internal sealed record NativeLibrarySpec(string ImportName, string DisplayName, string[] FileNames, Func<string, string, string[]> Companions, string InstallHint = "", bool FollowsCudaMajor = false)
{
    // cuDNN's sub-libraries in dependency order: graph first, the engines, then ops and cnn, which need them.
    private static readonly string[] CudnnParts = ["graph", "engines_precompiled", "engines_runtime_compiled", "heuristic", "ops", "cnn", "adv"];

    public static readonly NativeLibrarySpec Driver = new("cuda", "the CUDA driver API", ["libcuda.so.1"], NoCompanions,
        "It comes with the NVIDIA driver (Debian: libcuda1 or nvidia-driver; other systems: NVIDIA's driver installer); pip wheels do not ship it.");

    // cuBLAS opens cuBLASLt of its own major version.
    public static readonly NativeLibrarySpec Cublas = new("cublas", "cuBLAS", ["libcublas.so.12", "libcublas.so.13"],
        (folder, file) => [Path.Combine(folder, "libcublasLt.so." + MajorOf(file))],
        "Install it with 'pip install nvidia-cublas-cu12' (or nvidia-cublas for CUDA 13), or from the CUDA toolkit.", FollowsCudaMajor: true);

    // cuDNN 9's libcudnn.so.9 is a shim that opens its sub-libraries by name when first needed.
    public static readonly NativeLibrarySpec Cudnn = new("cudnn", "cuDNN 9", ["libcudnn.so.9"],
        (folder, _) => CudnnParts.Select(part => Path.Combine(folder, $"libcudnn_{part}.so.9")).ToArray(),
        "Install it with 'pip install nvidia-cudnn-cu12' (or -cu13; cuDNN 9), or NVIDIA's cudnn9 packages.");

    // NVRTC opens its builtins library (libnvrtc-builtins.so.12.x) by name.
    public static readonly NativeLibrarySpec Nvrtc = new("nvrtc", "NVRTC", ["libnvrtc.so.12", "libnvrtc.so.13"],
        (folder, file) => Directory.Exists(folder)
            ? Directory.GetFiles(folder, $"libnvrtc-builtins.so.{MajorOf(file)}*").Order(StringComparer.Ordinal).ToArray()
            : [],
        "Install it with 'pip install nvidia-cuda-nvrtc-cu12' (or nvidia-cuda-nvrtc for CUDA 13), or from the CUDA toolkit.", FollowsCudaMajor: true);

    public static readonly NativeLibrarySpec[] All = [Driver, Cublas, Cudnn, Nvrtc];

    /// <summary>
    /// <see cref="FileNames"/> in the order to try them: for a library that follows the CUDA major
    /// version, the file of <paramref name="cudaMajor"/> first (when known), then the others in order.
    /// </summary>
    public string[] FileNamesFor(int? cudaMajor)
    {
        if (!FollowsCudaMajor || cudaMajor is not int major) return FileNames;
        string suffix = "." + major.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return FileNames.Where(name => name.EndsWith(suffix, StringComparison.Ordinal))
            .Concat(FileNames.Where(name => !name.EndsWith(suffix, StringComparison.Ordinal)))
            .ToArray();
    }

    private static string[] NoCompanions(string folder, string file) => [];

    internal static string MajorOf(string file) => file[(file.LastIndexOf(".so.", StringComparison.Ordinal) + 4)..];
}

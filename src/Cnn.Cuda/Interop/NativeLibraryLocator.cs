using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Interop;

/// <summary>
/// One NVIDIA library: the name its <see cref="LibraryImportAttribute"/> bindings use, the versioned
/// file names to look for (preferred first), and the companions to preload from the folder where it
/// is found (libraries that it opens by name at run time, which the loader would not find there).
/// </summary>
internal sealed record NativeLibrarySpec(string ImportName, string DisplayName, string[] FileNames, Func<string, string, string[]> Companions, string InstallHint = "")
{
    // cuDNN's sub-libraries in dependency order: graph first, the engines, then ops and cnn, which need them.
    private static readonly string[] CudnnParts = ["graph", "engines_precompiled", "engines_runtime_compiled", "heuristic", "ops", "cnn", "adv"];

    public static readonly NativeLibrarySpec Driver = new("cuda", "the CUDA driver API", ["libcuda.so.1"], NoCompanions,
        "It comes with the NVIDIA driver (Debian: libcuda1 or nvidia-driver; other systems: NVIDIA's driver installer); pip wheels do not ship it.");

    // cuBLAS opens cuBLASLt of its own major version.
    public static readonly NativeLibrarySpec Cublas = new("cublas", "cuBLAS", ["libcublas.so.12", "libcublas.so.13"],
        (folder, file) => [Path.Combine(folder, "libcublasLt.so." + MajorOf(file))],
        "Install it with 'pip install nvidia-cublas-cu12' (or -cu13), or from the CUDA toolkit.");

    // cuDNN 9's libcudnn.so.9 is a shim that opens its sub-libraries by name when first needed.
    public static readonly NativeLibrarySpec Cudnn = new("cudnn", "cuDNN 9", ["libcudnn.so.9"],
        (folder, _) => CudnnParts.Select(part => Path.Combine(folder, $"libcudnn_{part}.so.9")).ToArray(),
        "Install it with 'pip install nvidia-cudnn-cu12' (cuDNN 9), or NVIDIA's cudnn9 packages.");

    // NVRTC opens its builtins library (libnvrtc-builtins.so.12.x) by name.
    public static readonly NativeLibrarySpec Nvrtc = new("nvrtc", "NVRTC", ["libnvrtc.so.12", "libnvrtc.so.13"],
        (folder, file) => Directory.Exists(folder)
            ? Directory.GetFiles(folder, $"libnvrtc-builtins.so.{MajorOf(file)}*").Order(StringComparer.Ordinal).ToArray()
            : [],
        "Install it with 'pip install nvidia-cuda-nvrtc-cu12' (or -cu13), or from the CUDA toolkit.");

    public static readonly NativeLibrarySpec[] All = [Driver, Cublas, Cudnn, Nvrtc];

    private static string[] NoCompanions(string folder, string file) => [];

    private static string MajorOf(string file) => file[(file.LastIndexOf(".so.", StringComparison.Ordinal) + 4)..];
}

/// <summary>
/// Finds NVIDIA's libraries by versioned name, in this order: the folders or files listed in
/// <c>CNN_CUDA_LIBRARY_PATH</c>; the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache);
/// the <c>nvidia/*/lib</c> folders of Python's site-packages (where pip's nvidia-* wheels put them);
/// the CUDA toolkit's folders. A failure lists every place tried.
/// </summary>
internal static class NativeLibraryLocator
{
    /// <summary>The environment variable that names folders (or files) to try first, separated by ':'.</summary>
    public const string PathVariable = "CNN_CUDA_LIBRARY_PATH";

    private static readonly ConcurrentDictionary<string, nint> s_loaded = new(StringComparer.Ordinal);

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any binding runs.")]
    internal static void RegisterResolver() => NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLocator).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        foreach (NativeLibrarySpec spec in NativeLibrarySpec.All)
        {
            if (spec.ImportName == name) return TryRequire(spec, out nint handle, out _) ? handle : 0;
        }
        return 0;
    }

    /// <summary>Loads <paramref name="spec"/> (once per process) or throws a <see cref="CudaLibraryNotFoundException"/> that lists every place tried.</summary>
    public static nint Require(NativeLibrarySpec spec) =>
        TryRequire(spec, out nint handle, out string? message) ? handle : throw new CudaLibraryNotFoundException(spec.DisplayName, message!);

    public static bool TryRequire(NativeLibrarySpec spec, out nint handle, out string? failure)
    {
        if (s_loaded.TryGetValue(spec.ImportName, out handle))
        {
            failure = null;
            return true;
        }
        if (TryLoad(spec, Environment.GetEnvironmentVariable(PathVariable), SitePackageFolders(), ToolkitFolders(), out handle, out _, out failure))
        {
            handle = s_loaded.GetOrAdd(spec.ImportName, handle);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Tries every place in order. <paramref name="overridePaths"/> is the value of <see cref="PathVariable"/>;
    /// the folder lists are passed in so that tests can point them anywhere.
    /// </summary>
    public static bool TryLoad(NativeLibrarySpec spec, string? overridePaths, IReadOnlyList<string> sitePackageFolders, IReadOnlyList<string> toolkitFolders,
        out nint handle, out string? loadedFrom, out string? failure)
    {
        var tried = new List<string>();

        // 1. The override: folders, or the library files themselves.
        if (string.IsNullOrWhiteSpace(overridePaths))
        {
            tried.Add($"{PathVariable}: not set");
        }
        else
        {
            foreach (string entry in overridePaths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                IEnumerable<string> files = File.Exists(entry) ? [entry] : spec.FileNames.Select(name => Path.Combine(entry, name));
                if (TryFiles(spec, files, $"{PathVariable} entry '{entry}'", tried, out handle, out loadedFrom))
                {
                    failure = null;
                    return true;
                }
            }
        }

        // 2. The dynamic loader's own search, by versioned name.
        foreach (string name in spec.FileNames)
        {
            try
            {
                handle = NativeLibrary.Load(name);
                loadedFrom = name;
                failure = null;
                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add($"the dynamic loader's search path (LD_LIBRARY_PATH, /etc/ld.so.cache, system folders) for {name}: {LoaderError(e.Message)}");
            }
        }

        // 3. pip's nvidia-* wheels, then 4. the CUDA toolkit.
        if (TryFolders(spec, sitePackageFolders, "Python site-packages", SitePackagePatternsText, tried, out handle, out loadedFrom)
            || TryFolders(spec, toolkitFolders, "CUDA toolkit", string.Join(", ", ToolkitFolderCandidates), tried, out handle, out loadedFrom))
        {
            failure = null;
            return true;
        }

        failure = Describe(spec, tried);
        handle = 0;
        loadedFrom = null;
        return false;
    }

    private static bool TryFolders(NativeLibrarySpec spec, IReadOnlyList<string> folders, string what, string patterns, List<string> tried, out nint handle, out string? loadedFrom)
    {
        if (folders.Count == 0)
        {
            tried.Add($"{what} folders ({patterns}): none exists");
            handle = 0;
            loadedFrom = null;
            return false;
        }
        foreach (string folder in folders)
        {
            if (TryFiles(spec, spec.FileNames.Select(name => Path.Combine(folder, name)), $"{what} folder '{folder}'", tried, out handle, out loadedFrom)) return true;
        }
        handle = 0;
        loadedFrom = null;
        return false;
    }

    private static bool TryFiles(NativeLibrarySpec spec, IEnumerable<string> files, string where, List<string> tried, out nint handle, out string? loadedFrom)
    {
        var missing = new List<string>();
        foreach (string file in files)
        {
            if (!File.Exists(file))
            {
                missing.Add(Path.GetFileName(file));
                continue;
            }
            string folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
            foreach (string companion in spec.Companions(folder, Path.GetFileName(file)))
            {
                // Best effort: a missing companion shows up later as the library's own error.
                if (File.Exists(companion)) NativeLibrary.TryLoad(companion, out _);
            }
            try
            {
                handle = NativeLibrary.Load(file);
                loadedFrom = file;
                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add($"{where}: {file} exists but did not load: {LoaderError(e.Message)}");
            }
        }
        if (missing.Count > 0) tried.Add($"{where}: no {string.Join(" or ", missing)} there");
        handle = 0;
        loadedFrom = null;
        return false;
    }

    private static string Describe(NativeLibrarySpec spec, List<string> tried)
    {
        var text = new StringBuilder();
        text.Append($"Cannot load {spec.DisplayName} ({string.Join(" or ", spec.FileNames)}). Places tried, in order:");
        for (int i = 0; i < tried.Count; i++) text.Append($"\n  {i + 1}. {tried[i]}");
        if (spec.InstallHint.Length > 0) text.Append('\n').Append(spec.InstallHint);
        text.Append($"\nIf it is installed elsewhere, set {PathVariable} to the folder that holds it; see docs/cuda.md.");
        return text.ToString();
    }

    /// <summary>The dynamic loader's own words (dlerror), which .NET puts on the last line of its message.</summary>
    private static string LoaderError(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? message : lines[^1];
    }

    /// <summary>The Python roots that <see cref="SitePackageFolders"/> scans, as shown in messages.</summary>
    internal static string SitePackagePatternsText =>
        string.Join(", ", PythonLibRoots().Select(root => $"{root}/python3*/{{site,dist}}-packages/nvidia/*/lib"));

    private static IEnumerable<string> PythonLibRoots()
    {
        yield return "/usr/lib";
        yield return "/usr/local/lib";
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) yield return Path.Combine(home, ".local", "lib");
        foreach (string variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
        {
            string? prefix = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(prefix)) yield return Path.Combine(prefix, "lib");
        }
    }

    /// <summary>Every existing <c>ROOT/python3*/{site,dist}-packages/nvidia/*/lib</c> folder, in ordinal order per root.</summary>
    internal static IReadOnlyList<string> SitePackageFolders()
    {
        var folders = new List<string>();
        foreach (string root in PythonLibRoots())
        {
            foreach (string python in SafeDirectories(root, "python3*"))
            foreach (string packages in new[] { "site-packages", "dist-packages" })
            foreach (string package in SafeDirectories(Path.Combine(python, packages, "nvidia"), "*"))
            {
                string lib = Path.Combine(package, "lib");
                if (Directory.Exists(lib)) folders.Add(lib);
            }
        }
        return folders;
    }

    private static readonly string[] ToolkitFolderCandidates = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"];

    internal static IReadOnlyList<string> ToolkitFolders()
    {
        var folders = new List<string>(ToolkitFolderCandidates.Where(Directory.Exists));
        string? conda = Environment.GetEnvironmentVariable("CONDA_PREFIX");
        if (!string.IsNullOrEmpty(conda) && Directory.Exists(Path.Combine(conda, "lib"))) folders.Add(Path.Combine(conda, "lib"));
        return folders;
    }

    private static IEnumerable<string> SafeDirectories(string folder, string pattern)
    {
        try
        {
            return Directory.Exists(folder) ? Directory.GetDirectories(folder, pattern).Order(StringComparer.Ordinal).ToArray() : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Interop;

/// <summary>
/// Finds NVIDIA's libraries by versioned name, in this order: the folders or files listed in
/// <c>CNN_CUDA_LIBRARY_PATH</c>; the dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache);
/// the <c>nvidia/*/lib</c> folders of Python's site-packages (where pip's nvidia-* wheels put them,
/// see <see cref="PythonSitePackages"/>); the CUDA toolkit's folders. A failure lists every place tried.
/// cuBLAS and NVRTC of the CUDA major version that cuDNN was built for are preferred (else the newest
/// the driver supports), so that one process never mixes CUDA 12 and CUDA 13 libraries.
/// </summary>
internal static unsafe class NativeLibraryLocator
{
    /// <summary>The environment variable that names folders (or files) to try first, separated by ':'.</summary>
    public const string PathVariable = "CNN_CUDA_LIBRARY_PATH";

    private static readonly ConcurrentDictionary<string, nint> s_loaded = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> s_loadedFrom = new(StringComparer.Ordinal);
    private static int? s_cudaMajor;

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
        int? cudaMajor = spec.FollowsCudaMajor ? PreferredCudaMajor() : null;
        if (TryLoad(spec, Environment.GetEnvironmentVariable(PathVariable), PythonSitePackages.NvidiaLibraryFolders(), ToolkitFolders(), out handle, out string? from, out failure, cudaMajor))
        {
            handle = s_loaded.GetOrAdd(spec.ImportName, handle);
            s_loadedFrom.TryAdd(spec.ImportName, from!);
            return true;
        }
        return false;
    }

    /// <summary>Where each library loaded so far came from (a path, or the bare name the dynamic loader found), by <see cref="NativeLibrarySpec.DisplayName"/>.</summary>
    public static IReadOnlyList<(string Library, string LoadedFrom)> Loaded() =>
        NativeLibrarySpec.All.Where(spec => s_loadedFrom.ContainsKey(spec.ImportName)).Select(spec => (spec.DisplayName, s_loadedFrom[spec.ImportName])).ToArray();

    /// <summary>
    /// Loads the companions of <paramref name="spec"/> from its folder again (best effort): cuDNN's
    /// sub-libraries may need cuBLAS or NVRTC, which load after the cuDNN shim.
    /// </summary>
    public static void PreloadCompanions(NativeLibrarySpec spec)
    {
        if (!s_loadedFrom.TryGetValue(spec.ImportName, out string? from) || !Path.IsPathRooted(from)) return;
        string folder = Path.GetDirectoryName(from)!;
        foreach (string companion in spec.Companions(folder, Path.GetFileName(from)))
        {
            if (File.Exists(companion)) NativeLibrary.TryLoad(companion, out _);
        }
    }

    /// <summary>
    /// The CUDA major version to prefer for cuBLAS and NVRTC: the one cuDNN was built for
    /// (<c>cudnnGetCudartVersion</c>), else the newest the driver supports (<c>cuDriverGetVersion</c>),
    /// else unknown. Read through the exports, so that no binding resolves a library on the way.
    /// </summary>
    internal static int? PreferredCudaMajor()
    {
        if (s_cudaMajor is int known) return known;
        int? major = null;
        if (TryRequire(NativeLibrarySpec.Cudnn, out nint cudnn, out _) && NativeLibrary.TryGetExport(cudnn, "cudnnGetCudartVersion", out nint cudart))
        {
            nuint version = ((delegate* unmanaged<nuint>)cudart)();
            if (version >= 1000) major = (int)(version / 1000);
        }
        if (major is null && TryRequire(NativeLibrarySpec.Driver, out nint driver, out _) && NativeLibrary.TryGetExport(driver, "cuDriverGetVersion", out nint getVersion))
        {
            int version;
            if (((delegate* unmanaged<int*, int>)getVersion)(&version) == 0 && version >= 1000) major = version / 1000;
        }
        s_cudaMajor = major;
        return major;
    }

    /// <summary>
    /// Tries every place in order. <paramref name="overridePaths"/> is the value of <see cref="PathVariable"/>;
    /// the folder lists are passed in so that tests can point them anywhere. For a library that follows
    /// the CUDA major version, every place is searched for the file of <paramref name="cudaMajor"/> before
    /// any is searched for another major's, so that a CUDA 12 folder earlier in the list cannot win over
    /// the matching CUDA 13 one.
    /// </summary>
    public static bool TryLoad(NativeLibrarySpec spec, string? overridePaths, IReadOnlyList<string> sitePackageFolders, IReadOnlyList<string> toolkitFolders,
        out nint handle, out string? loadedFrom, out string? failure, int? cudaMajor = null)
    {
        var tried = new List<string>();
        string[] ordered = spec.FileNamesFor(cudaMajor);
        string[][] rounds = ordered.Length > 1 && spec.FollowsCudaMajor && cudaMajor is not null ? [[ordered[0]], ordered[1..]] : [ordered];
        foreach (string[] fileNames in rounds)
        {
            if (TrySearch(spec, fileNames, overridePaths, sitePackageFolders, toolkitFolders, tried, out handle, out loadedFrom))
            {
                failure = null;
                return true;
            }
        }
        failure = Describe(spec, tried);
        handle = 0;
        loadedFrom = null;
        return false;
    }

    private static bool TrySearch(NativeLibrarySpec spec, string[] fileNames, string? overridePaths, IReadOnlyList<string> sitePackageFolders, IReadOnlyList<string> toolkitFolders,
        List<string> tried, out nint handle, out string? loadedFrom)
    {
        // 1. The override: folders, or the library files themselves.
        if (string.IsNullOrWhiteSpace(overridePaths))
        {
            tried.Add($"{PathVariable}: not set");
        }
        else
        {
            foreach (string entry in overridePaths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                IEnumerable<string> files = File.Exists(entry) ? [entry] : fileNames.Select(name => Path.Combine(entry, name));
                if (TryFiles(spec, files, $"{PathVariable} entry '{entry}'", tried, out handle, out loadedFrom)) return true;
            }
        }

        // 2. The dynamic loader's own search, by versioned name.
        foreach (string name in fileNames)
        {
            try
            {
                handle = NativeLibrary.Load(name);
                loadedFrom = name;
                return true;
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                tried.Add($"the dynamic loader's search path (LD_LIBRARY_PATH, /etc/ld.so.cache, system folders) for {name}: {LoaderError(e.Message)}");
            }
        }

        // 3. pip's nvidia-* wheels, then 4. the CUDA toolkit.
        return TryFolders(spec, fileNames, sitePackageFolders, "Python site-packages", SitePackagePatternsText, tried, out handle, out loadedFrom)
            || TryFolders(spec, fileNames, toolkitFolders, "CUDA toolkit", string.Join(", ", ToolkitFolderCandidates), tried, out handle, out loadedFrom);
    }

    private static bool TryFolders(NativeLibrarySpec spec, string[] fileNames, IReadOnlyList<string> folders, string what, string patterns, List<string> tried, out nint handle, out string? loadedFrom)
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
            if (TryFiles(spec, fileNames.Select(name => Path.Combine(folder, name)), $"{what} folder '{folder}'", tried, out handle, out loadedFrom)) return true;
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

    /// <summary>The Python folders searched, as shown in messages.</summary>
    internal static string SitePackagePatternsText => PythonSitePackages.PatternsText(PythonSitePackages.LibraryRoots(Environment.GetEnvironmentVariable));

    private static readonly string[] ToolkitFolderCandidates = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu"];

    internal static IReadOnlyList<string> ToolkitFolders()
    {
        var folders = new List<string>(ToolkitFolderCandidates.Where(Directory.Exists));
        string? conda = Environment.GetEnvironmentVariable("CONDA_PREFIX");
        if (!string.IsNullOrEmpty(conda) && Directory.Exists(Path.Combine(conda, "lib"))) folders.Add(Path.Combine(conda, "lib"));
        return folders;
    }
}

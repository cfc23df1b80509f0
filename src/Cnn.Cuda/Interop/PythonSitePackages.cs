namespace Cnn.Cuda.Interop;

/// <summary>
/// The <c>nvidia/*/lib</c> folders of every Python installation that pip's nvidia-* wheels may have
/// filled: CUDA 12 wheels put each library in its own package (<c>nvidia/cublas/lib</c>), CUDA 13 wheels
/// put cuBLAS and NVRTC together in <c>nvidia/cu13/lib</c>, and cuDNN stays in <c>nvidia/cudnn/lib</c>.
/// </summary>
/// <remarks>
/// The active environment comes first: <c>$VIRTUAL_ENV</c> and <c>$CONDA_PREFIX</c> when set, then the
/// <c>../lib</c> beside every <c>python3</c> on <c>PATH</c> (a virtual environment whose activation
/// script was never run still puts its <c>bin</c> there), then the user's and the system's folders.
/// </remarks>
internal static class PythonSitePackages
{
    /// <summary>The library roots, in the order they are searched, read from <paramref name="environment"/>.</summary>
    public static IReadOnlyList<string> LibraryRoots(Func<string, string?> environment)
    {
        var roots = new List<string>();
        void Add(string root)
        {
            string full = Path.GetFullPath(root);
            if (!roots.Contains(full, StringComparer.Ordinal)) roots.Add(full);
        }

        foreach (string variable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
        {
            string? prefix = environment(variable);
            if (!string.IsNullOrEmpty(prefix)) Add(Path.Combine(prefix, "lib"));
        }
        foreach (string folder in (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string python = Path.Combine(folder, "python3");
            if (!File.Exists(python)) continue;
            Add(Path.Combine(folder, "..", "lib"));
            // A python3 that links to an installation elsewhere (/usr/local/bin/python3 → /opt/python/bin/python3.12).
            if (ResolvedTarget(python) is string target) Add(Path.Combine(Path.GetDirectoryName(target)!, "..", "lib"));
        }
        string? home = environment("HOME");
        if (!string.IsNullOrEmpty(home)) Add(Path.Combine(home, ".local", "lib"));
        Add("/usr/local/lib");
        Add("/usr/lib");
        return roots;
    }

    /// <summary>Every existing <c>ROOT/python3*/{site,dist}-packages/nvidia/*/lib</c> folder, roots in order, ordinal order within one.</summary>
    public static IReadOnlyList<string> NvidiaLibraryFolders(IEnumerable<string> roots)
    {
        var folders = new List<string>();
        foreach (string root in roots)
        foreach (string python in SafeDirectories(root, "python3*"))
        foreach (string packages in new[] { "site-packages", "dist-packages" })
        foreach (string package in SafeDirectories(Path.Combine(python, packages, "nvidia"), "*"))
        {
            string lib = Path.Combine(package, "lib");
            if (Directory.Exists(lib)) folders.Add(lib);
        }
        return folders;
    }

    /// <summary>The folders of this process's environment.</summary>
    public static IReadOnlyList<string> NvidiaLibraryFolders() => NvidiaLibraryFolders(LibraryRoots(Environment.GetEnvironmentVariable));

    /// <summary>The roots as shown in messages.</summary>
    public static string PatternsText(IEnumerable<string> roots) =>
        string.Join(", ", roots.Select(root => $"{root}/python3*/{{site,dist}}-packages/nvidia/*/lib"));

    private static string? ResolvedTarget(string path)
    {
        try
        {
            FileSystemInfo? target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
            return target?.FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
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

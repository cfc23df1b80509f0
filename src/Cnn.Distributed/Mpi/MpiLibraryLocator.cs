using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// Finds Open MPI's <c>libmpi.so.40</c> (Open MPI 3.x and 4.x) by versioned name, in this order: the
/// folders or files listed in <c>CNN_MPI_LIBRARY_PATH</c>; the dynamic loader's own search
/// (LD_LIBRARY_PATH, ld.so.cache); the folders where Debian, Ubuntu, Fedora and source builds put it.
/// A failure lists every place tried.
/// </summary>
internal static class MpiLibraryLocator
{
    /// <summary>The environment variable that names folders (or files) to try first, separated by ':'.</summary>
    public const string PathVariable = "CNN_MPI_LIBRARY_PATH";

    private static readonly string[] s_folders =
    [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64/openmpi/lib",
        "/usr/lib/openmpi/lib",
        "/usr/local/lib",
        "/opt/openmpi/lib",
    ];

    private static readonly Lock s_lock = new();
    private static nint s_handle;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any binding runs.")]
    internal static void RegisterResolver() => NativeLibrary.SetDllImportResolver(typeof(MpiLibraryLocator).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == MpiNative.Library && TryLoad(out nint handle, out _) ? handle : 0;

    /// <summary>Loads libmpi (once per process) or throws a <see cref="MpiLibraryNotFoundException"/> that lists every place tried.</summary>
    public static nint Require() => TryLoad(out nint handle, out string? failure) ? handle : throw new MpiLibraryNotFoundException(failure!);

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
            foreach (string candidate in Candidates(Environment.GetEnvironmentVariable(PathVariable)))
            {
                tried.Add(candidate);
                if (NativeLibrary.TryLoad(candidate, out handle))
                {
                    s_handle = handle;
                    return true;
                }
            }
            handle = 0;
            failure = $"Open MPI's {MpiNative.Library} was not found. Tried: {string.Join(", ", tried)}. " +
                $"Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi3) or name its folder in {PathVariable}.";
            return false;
        }
    }

    /// <summary>The places tried, in order: <paramref name="overridePaths"/> (folders or files, ':'-separated), the bare name, the usual folders.</summary>
    internal static IEnumerable<string> Candidates(string? overridePaths)
    {
        foreach (string entry in (overridePaths ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return entry.EndsWith(".so", StringComparison.Ordinal) || entry.Contains(".so.", StringComparison.Ordinal) ? entry : Path.Combine(entry, MpiNative.Library);
        yield return MpiNative.Library;
        foreach (string folder in s_folders) yield return Path.Combine(folder, MpiNative.Library);
    }
}

using System.Reflection;
using System.Runtime.InteropServices;

namespace Cnn.Distributed;

/// <summary>
/// A native library found by its versioned file name and loaded once per process, the search that
/// <c>MpiLibraryLocator</c> and <c>NcclLibraryLocator</c> share. The places tried, in order: the
/// folders or files listed in an environment variable (':'-separated); the bare name, that is the
/// dynamic loader's own search (LD_LIBRARY_PATH, ld.so.cache); the locator's folders. A failure lists
/// every place tried. Each locator keeps its names, folders, message and exception type.
/// </summary>
/// <remarks>
/// This file is compiled into Cnn.Distributed.Nccl too (a linked source file), which does not reference
/// Cnn.Distributed, so that neither package needs the other's internals.
/// </remarks>
/// <param name="fileName">The versioned file name, which is also the name the bindings import.</param>
/// <param name="pathVariable">The environment variable that names folders (or files) to try first.</param>
/// <param name="folders">The folders to try after the dynamic loader, read at each search.</param>
/// <param name="notFound">The exception for a failed search, from the comma-separated list of places tried.</param>
internal sealed class VersionedNativeLibrary(string fileName, string pathVariable, Func<IEnumerable<string>> folders, Func<string, Exception> notFound)
{
    private readonly Lock _lock = new();
    private nint _handle;

    /// <summary>Resolves this library's imports in <paramref name="assembly"/> through <see cref="TryLoad"/>; call it once, from a module initializer.</summary>
    public void RegisterResolver(Assembly assembly) =>
        NativeLibrary.SetDllImportResolver(assembly, (name, _, _) => name == fileName && TryLoad(out nint handle, out _) ? handle : 0);

    /// <summary>Loads the library (once per process) or throws the locator's exception, whose message lists every place tried.</summary>
    public nint Require() => TryLoad(out nint handle, out Exception? failure) ? handle : throw failure!;

    /// <summary>Loads the library (once per process), or returns false with the exception that <see cref="Require"/> would throw.</summary>
    public bool TryLoad(out nint handle, out Exception? failure)
    {
        lock (_lock)
        {
            failure = null;
            if (_handle != 0)
            {
                handle = _handle;
                return true;
            }
            var tried = new List<string>();
            foreach (string candidate in Candidates(fileName, Environment.GetEnvironmentVariable(pathVariable), folders()))
            {
                tried.Add(candidate);
                if (NativeLibrary.TryLoad(candidate, out handle))
                {
                    _handle = handle;
                    return true;
                }
            }
            handle = 0;
            failure = notFound(string.Join(", ", tried));
            return false;
        }
    }

    /// <summary>
    /// The places tried, in order: <paramref name="overridePaths"/> (folders, or files whose name has
    /// '.so', ':'-separated), the bare <paramref name="fileName"/>, <paramref name="folders"/>.
    /// </summary>
    public static IEnumerable<string> Candidates(string fileName, string? overridePaths, IEnumerable<string> folders)
    {
        foreach (string entry in (overridePaths ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return entry.EndsWith(".so", StringComparison.Ordinal) || entry.Contains(".so.", StringComparison.Ordinal) ? entry : Path.Combine(entry, fileName);
        yield return fileName;
        foreach (string folder in folders) yield return Path.Combine(folder, fileName);
    }
}

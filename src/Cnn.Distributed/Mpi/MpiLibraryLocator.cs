using System.Runtime.CompilerServices;

namespace Cnn.Distributed.Mpi;

/// <summary>
/// Finds Open MPI's <c>libmpi.so.40</c> (Open MPI 3.x and 4.x) by versioned name, in this order: the
/// folders or files listed in <c>CNN_MPI_LIBRARY_PATH</c>; the dynamic loader's own search
/// (LD_LIBRARY_PATH, ld.so.cache); the folders where Debian, Ubuntu, Fedora and source builds put it.
/// A failure lists every place tried (the search is <see cref="VersionedNativeLibrary"/>).
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

    private static readonly VersionedNativeLibrary s_library = new(MpiNative.Library, PathVariable, () => s_folders,
        tried => new MpiLibraryNotFoundException($"Open MPI's {MpiNative.Library} was not found. Tried: {tried}. " +
            $"Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi3) or name its folder in {PathVariable}."));

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any binding runs.")]
    internal static void RegisterResolver() => s_library.RegisterResolver(typeof(MpiLibraryLocator).Assembly);

    /// <summary>Loads libmpi (once per process) or throws a <see cref="MpiLibraryNotFoundException"/> that lists every place tried.</summary>
    public static nint Require() => s_library.Require();
}

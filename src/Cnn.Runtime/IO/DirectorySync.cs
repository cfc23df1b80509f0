using System.Runtime.InteropServices;

namespace Cnn.IO;

/// <summary>
/// Flushes a folder's entries to disk, so that a rename into it survives a power cut. POSIX only
/// promises that after an <c>fsync</c> of the folder itself; .NET cannot open a folder as a file
/// (<see cref="File.OpenHandle"/> refuses directories), so this calls libc directly. Windows has no
/// equivalent and needs none: NTFS journals the rename.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS

    /// <summary>Flushes <paramref name="directory"/>; best effort, since the rename it protects has already happened.</summary>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows() || OperatingSystem.IsBrowser()) return;
        int descriptor = Open(directory, ReadOnly);
        // Some file systems refuse to open or sync folders (EACCES, EINVAL); the data itself is already synced.
        if (descriptor < 0) return;
        try
        {
            _ = FSync(descriptor);
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int descriptor);
}

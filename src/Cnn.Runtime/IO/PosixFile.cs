using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cnn.IO;

/// <summary>
/// The two file operations .NET does not offer on Unix, through libc: flushing a folder's entries
/// to disk, and opening a file without taking an flock.
/// </summary>
internal static partial class PosixFile
{
    private const int ReadOnly = 0; // O_RDONLY, the same on Linux and macOS

    /// <summary>
    /// Flushes <paramref name="directory"/>'s entries, so that a rename into it survives a power cut:
    /// POSIX promises that only after an <c>fsync</c> of the folder itself, and .NET cannot open a
    /// folder (<see cref="File.OpenHandle"/> refuses directories). Best effort, since the rename it
    /// protects has already happened. Windows has no equivalent and needs none: NTFS journals the rename.
    /// </summary>
    public static void SyncDirectory(string directory)
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

    /// <summary>
    /// Opens <paramref name="path"/> for reading without the shared flock every .NET open takes on
    /// Unix, which a holder's exclusive lock (<see cref="FileShare.None"/>) refuses; null when it
    /// cannot be opened. Unix only.
    /// </summary>
    public static SafeFileHandle? OpenWithoutLock(string path)
    {
        int descriptor = Open(path, ReadOnly);
        return descriptor < 0 ? null : new SafeFileHandle(descriptor, ownsHandle: true);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}

using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Machine code written at run time and made executable, on Linux x64: pages mapped read-write, the
/// code copied in, then the pages switched to read-execute (never writable and executable at once).
/// The code lives as long as the process: the kernels that use it are process-wide singletons.
/// </summary>
internal static unsafe partial class ExecutableMemory
{
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20; // Linux values

    /// <summary>Whether this process can map code at run time: Linux on x64.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>Copies <paramref name="code"/> into fresh read-execute pages and returns their address.</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux x64.</exception>
    /// <exception cref="InvalidOperationException">mmap or mprotect failed; the message carries errno.</exception>
    public static nint Load(ReadOnlySpan<byte> code)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("Run-time generated kernels need Linux on x64.");
        nuint length = (nuint)((code.Length + 4095) & ~4095);
        nint pages = Map(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (pages == -1) throw new InvalidOperationException($"mmap of {length} bytes for a generated kernel failed (errno {Marshal.GetLastPInvokeError()}).");
        code.CopyTo(new Span<byte>((void*)pages, code.Length));
        if (Protect(pages, length, ProtRead | ProtExec) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = Unmap(pages, length);
            throw new InvalidOperationException($"mprotect to read-execute of a generated kernel failed (errno {errno}).");
        }
        return pages;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Map(nint address, nuint length, int protection, int flags, int descriptor, long offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Protect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Unmap(nint address, nuint length);
}

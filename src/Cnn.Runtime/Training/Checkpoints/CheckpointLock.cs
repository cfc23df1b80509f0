using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Cnn.IO;

namespace Cnn.Training;

/// <summary>
/// The exclusive claim of one trainer on a checkpoint folder, held for the length of Fit: a
/// <see cref="FileName"/> file opened for exclusive use (an advisory <c>flock</c> on Unix, a share
/// mode on Windows) that holds the owner's process id and is deleted when released. The operating
/// system drops the lock when the process dies, so a crashed trainer never leaves the folder locked;
/// the file it leaves behind is simply taken over by the next.
/// </summary>
/// <remarks>
/// Two trainers saving into one folder delete each other's tensor files (each keeps only its own
/// latest), which leaves the folder impossible to resume; so the second one fails at once instead.
/// </remarks>
internal sealed class CheckpointLock : IDisposable
{
    /// <summary>The lock file's name inside the checkpoint folder.</summary>
    public const string FileName = "trainer.lock";

    private const int Attempts = 5;

    private readonly FileStream _file;
    private readonly string _path;
    private readonly string _token;

    private CheckpointLock(FileStream file, string path, string token)
    {
        _file = file;
        _path = path;
        _token = token;
    }

    /// <summary>Claims <paramref name="directory"/> (creating it), or fails naming the process that holds it.</summary>
    /// <exception cref="IOException">Another trainer, in this process or another, holds the folder.</exception>
    public static CheckpointLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string token = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}\n{Guid.NewGuid():N}\n");
        for (int attempt = 1; ; attempt++)
        {
            FileStream file;
            try
            {
                // Unix: FileShare.None is what makes .NET take an exclusive flock (any other share takes a
                // shared one), and the file is deleted by Dispose, not DeleteOnClose, so that a refused
                // open can never delete the holder's file. Windows: letting others read is what lets a
                // refused trainer read the pid, and DeleteOnClose is the system's own.
                file = OperatingSystem.IsWindows()
                    ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1, FileOptions.DeleteOnClose)
                    : new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                throw new IOException(
                    $"The checkpoint folder {directory} is in use by another trainer ({Holder(path)}, per {path}). " +
                    "Two trainers saving into one folder would delete each other's files and leave it impossible to resume; " +
                    "wait for that run to finish, or give this one another CheckpointDirectory.", e);
            }

            byte[] contents = Encoding.ASCII.GetBytes(token);
            file.SetLength(0);
            file.Write(contents);
            file.Flush(flushToDisk: true);
            // On Unix the previous holder deletes the file before it unlocks it, so a trainer that opened
            // the old file just then locks a file no longer in the folder; it sees someone else's pid
            // (or none) at the path, and tries again on the new file.
            if (OperatingSystem.IsWindows() || ReadUnlocked(path) == token) return new CheckpointLock(file, path, token);
            file.Dispose();
            if (attempt == Attempts)
                throw new IOException($"Could not claim the checkpoint folder {directory}: {path} kept changing hands.");
        }
    }

    /// <summary>Deletes the lock file and releases the folder.</summary>
    public void Dispose()
    {
        // Deleted while still locked, so nobody can claim the file and then lose it to this delete.
        if (!OperatingSystem.IsWindows() && ReadUnlocked(_path) == _token)
        {
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A lock file left behind is harmless: the next trainer takes it over.
            }
        }
        _file.Dispose();
    }

    /// <summary>"process 1234", from the lock file, or a phrase saying it could not be read.</summary>
    private static string Holder(string path)
    {
        string? contents = ReadUnlocked(path);
        string? first = contents?.Split('\n')[0];
        return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            ? string.Create(CultureInfo.InvariantCulture, $"process {pid}")
            : "a process whose id could not be read";
    }

    /// <summary>
    /// Reads the lock file without asking for a lock. On Unix, every .NET open takes an flock, which
    /// the holder's exclusive one refuses, so this opens the file through libc.
    /// </summary>
    private static string? ReadUnlocked(string path)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                using var shared = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return Read(shared);
            }
            using SafeFileHandle? handle = PosixFile.OpenWithoutLock(path);
            if (handle is null) return null;
            using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 1);
            return Read(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        static string Read(Stream stream)
        {
            byte[] buffer = new byte[128];
            int length = 0, read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0) length += read;
            return Encoding.ASCII.GetString(buffer, 0, length);
        }
    }
}

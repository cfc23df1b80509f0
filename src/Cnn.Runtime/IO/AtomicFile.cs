using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cnn.IO;

/// <summary>
/// Writes files through a temporary sibling and a rename, so a crash never leaves half a file where
/// a good one was. The new file is on disk before the rename and the rename is on disk before the
/// call returns (file, then folder, flushed), so a power cut leaves the old file or the new one.
/// </summary>
/// <remarks>
/// <para>
/// Each write gets a temporary of its own, created with <see cref="FileMode.CreateNew"/>, so
/// writers of one path, in this process or another, never touch each other's temporaries; the
/// last rename wins.
/// </para>
/// <para>
/// The temporary's name says who wrote it: <c>{file}.{host}-{pid}-{start}-{n}.tmp</c>, with a hash
/// of the machine name, the process id and start time (Unix seconds) and a per-process counter. A
/// writer that was killed leaves its temporary behind; the next write of the same file deletes it
/// when that process is no longer running on this machine (a pid in use by a process that started
/// at another time is a different process), or when it has not been written to for
/// <see cref="AbandonedAfter"/>, which is also the only rule for temporaries from other machines.
/// </para>
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>How long a temporary may go unwritten before any writer of its file deletes it as abandoned.</summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    private const int BufferSize = 1 << 16;

    // Start times read through /proc (or the OS) in two processes can differ by rounding.
    private const long StartTimeToleranceSeconds = 2;

    private static readonly string s_host = HostHash(Environment.MachineName);
    private static readonly int s_pid = Environment.ProcessId;
    private static readonly long s_start = StartSeconds(Process.GetCurrentProcess());
    private static long s_counter;

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark), as <see cref="File.WriteAllText(string, string?)"/> does.</summary>
    public static void WriteAllText(string path, string text)
    {
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/> all at once, as <see cref="Write(string, Action{Stream})"/> does.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>
    /// Lets <paramref name="write"/> fill a new temporary file in the same folder, then flushes it to
    /// disk, renames it over <paramref name="path"/> and flushes the folder. On any error the
    /// temporary is deleted and whatever was at <paramref name="path"/> stays.
    /// </summary>
    /// <param name="path">The file to replace or create; its folder is created if needed.</param>
    /// <param name="write">Writes the whole contents to the stream it is given; need not flush or close it.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        DeleteAbandonedTemporaries(full);
        Write(full, write, TemporaryPath(full));
    }

    /// <summary>As <see cref="Write(string, Action{Stream})"/> through the given temporary, which must not exist.</summary>
    internal static void Write(string full, Action<Stream> write, string temporary)
    {
        bool created = false, renamed = false;
        try
        {
            // CreateNew: a name that exists belongs to someone else, so fail rather than write into it.
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                created = true;
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
            renamed = true;
            PosixFile.SyncDirectory(Path.GetDirectoryName(full)!);
        }
        finally
        {
            if (created && !renamed) TryDelete(temporary);
        }
    }

    /// <summary>A temporary name for <paramref name="full"/> that no other write, here or in another process, uses.</summary>
    internal static string TemporaryPath(string full) =>
        string.Create(CultureInfo.InvariantCulture, $"{full}.{s_host}-{s_pid}-{s_start}-{Interlocked.Increment(ref s_counter)}.tmp");

    /// <summary>Deletes the temporaries of <paramref name="full"/> that no running writer owns (see the remarks on the class).</summary>
    internal static void DeleteAbandonedTemporaries(string full)
    {
        string directory = Path.GetDirectoryName(full)!, name = Path.GetFileName(full);
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, name + ".*.tmp").ToArray();
        }
        catch (IOException)
        {
            return; // cleaning up is a courtesy; the write itself reports real problems
        }
        foreach (string candidate in candidates)
        {
            Match match = TemporaryName().Match(Path.GetFileName(candidate));
            if (!match.Success || match.Groups["file"].Value != name) continue;
            if (IsAbandoned(candidate, match)) TryDelete(candidate);
        }
    }

    private static bool IsAbandoned(string temporary, Match match)
    {
        DateTime written;
        try
        {
            written = File.GetLastWriteTimeUtc(temporary);
        }
        catch (IOException)
        {
            return false;
        }
        if (DateTime.UtcNow - written > AbandonedAfter) return true;

        // A temporary from another machine (a shared folder) says nothing about processes here.
        if (match.Groups["host"].Success && match.Groups["host"].Value != s_host) return false;
        if (!int.TryParse(match.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false;
        long? start = match.Groups["start"].Success && long.TryParse(match.Groups["start"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long s) ? s : null;
        return !IsRunning(pid, start);
    }

    /// <summary>Whether process <paramref name="pid"/> runs, and is the one that started at <paramref name="start"/> when that is known.</summary>
    private static bool IsRunning(int pid, long? start)
    {
        if (pid == s_pid) return start is not long own || Math.Abs(own - s_start) <= StartTimeToleranceSeconds;
        try
        {
            using Process process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            return start is not long expected || Math.Abs(StartSeconds(process) - expected) <= StartTimeToleranceSeconds;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true; // exited while asked, or not ours to inspect: keep the file, the age rule will judge it
        }
    }

    private static long StartSeconds(Process process)
    {
        try
        {
            return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return 0;
        }
    }

    /// <summary>FNV-1a of the machine name: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static string HostHash(string host)
    {
        uint hash = 2166136261;
        foreach (char c in host)
        {
            hash ^= c;
            hash *= 16777619;
        }
        return hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another writer cleaned it up first, or it is not ours to delete; either way the target is untouched.
        }
    }

    // The current names, and {file}.{pid}.tmp, which earlier versions used.
    [GeneratedRegex(@"^(?<file>.+)\.(?:(?<host>[0-9a-f]{8})-(?<pid>[0-9]+)-(?<start>[0-9]+)-[0-9]+|(?<pid>[0-9]+))\.tmp$")]
    private static partial Regex TemporaryName();
}

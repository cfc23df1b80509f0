namespace Cnn.Data;

/// <summary>
/// A data file that cannot be read as the format it claims to be. The message names the file, the
/// byte offset where reading went wrong and what was expected there, so the file can be inspected
/// (e.g. with <c>xxd -s OFFSET</c>) or replaced.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates an exception for <paramref name="filePath"/> at <paramref name="offset"/>.</summary>
    /// <param name="filePath">The file being read.</param>
    /// <param name="offset">The byte offset of the problem. For compressed files this counts decompressed bytes.</param>
    /// <param name="detail">What was expected and what was found, as a sentence.</param>
    /// <param name="innerException">The underlying error, if any (e.g. a corrupt gzip stream).</param>
    public DataFormatException(string filePath, long offset, string detail, Exception? innerException = null)
        : base($"Bad data file '{filePath}' at byte offset {offset}: {detail}", innerException)
    {
        FilePath = filePath;
        Offset = offset;
        Detail = detail;
    }

    /// <summary>The file being read.</summary>
    public string FilePath { get; }

    /// <summary>The byte offset of the problem; for compressed files, within the decompressed stream.</summary>
    public long Offset { get; }

    /// <summary>What was expected and what was found, without the file and offset.</summary>
    public string Detail { get; }
}

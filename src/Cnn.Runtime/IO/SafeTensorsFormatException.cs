namespace Cnn.IO;

/// <summary>
/// A file that is not a valid safetensors file: a header length that cannot be right, a header
/// that is not JSON, or tensor offsets that do not tile the data. The message names the file and,
/// where there is one, the byte offset of the problem.
/// </summary>
public sealed class SafeTensorsFormatException : Exception
{
    /// <summary>Creates an exception for <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The file being read.</param>
    /// <param name="detail">What was expected and what was found, as a sentence.</param>
    /// <param name="innerException">The underlying error, if any (e.g. the JSON parser's).</param>
    public SafeTensorsFormatException(string filePath, string detail, Exception? innerException = null)
        : base($"'{filePath}' is not a valid safetensors file: {detail}", innerException)
    {
        FilePath = filePath;
        Detail = detail;
    }

    /// <summary>The file being read.</summary>
    public string FilePath { get; }

    /// <summary>What was expected and what was found, without the file.</summary>
    public string Detail { get; }
}

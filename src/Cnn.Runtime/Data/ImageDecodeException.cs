namespace Cnn.Data;

/// <summary>
/// An image file that cannot be read or decoded. The message names the file and says what went
/// wrong (not an image, truncated, unreadable), so that it can be inspected, replaced or deleted.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates an exception for <paramref name="filePath"/>.</summary>
    /// <param name="filePath">The image file.</param>
    /// <param name="reason">What went wrong, as a phrase (e.g. "the data is truncated").</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ImageDecodeException(string filePath, string reason, Exception? innerException = null)
        : base($"Cannot decode image '{filePath}': {reason}", innerException)
    {
        FilePath = filePath;
        Reason = reason;
    }

    /// <summary>The image file.</summary>
    public string FilePath { get; }

    /// <summary>What went wrong, without the file name.</summary>
    public string Reason { get; }
}

namespace Cnn.Data;

/// <summary>What an image data set does with a file that cannot be decoded.</summary>
public enum BadImagePolicy
{
    /// <summary>Throw an <see cref="ImageDecodeException"/> naming the file.</summary>
    Fail,

    /// <summary>Leave the file out and record it, with the reason, in the data set's list of skipped images.</summary>
    Skip,
}

/// <summary>An image file that a data set left out under <see cref="BadImagePolicy.Skip"/>.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why it could not be decoded.</param>
public sealed record SkippedImage(string Path, string Reason);

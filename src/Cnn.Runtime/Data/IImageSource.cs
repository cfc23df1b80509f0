namespace Cnn.Data;

/// <summary>
/// Labelled images that are produced one at a time on demand, so that a data set larger than memory
/// (e.g. a folder of JPEGs) can be decoded sample by sample on loader threads.
/// <see cref="PrefetchingLoader"/> consumes it; <see cref="ImageFolderDataset"/> and
/// <see cref="ImageDatasetSource"/> implement it.
/// </summary>
/// <remarks>
/// <see cref="Load"/> and <see cref="GetLabel"/> are called from several threads at once and must be
/// thread-safe; each call returns a new image that the caller owns.
/// </remarks>
public interface IImageSource
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>The class index of sample <paramref name="index"/>.</summary>
    int GetLabel(int index);

    /// <summary>
    /// Produces sample <paramref name="index"/> as a new image, or null when the sample cannot be
    /// decoded and the source's policy is to skip such samples (the source records why).
    /// </summary>
    /// <exception cref="ImageDecodeException">The sample cannot be decoded and the source's policy is to fail.</exception>
    ImageTensor? Load(int index);

    /// <summary>Names sample <paramref name="index"/> for error messages, e.g. its file path.</summary>
    string Describe(int index);
}

using System.Globalization;

namespace Cnn.Data;

/// <summary>
/// An in-memory <see cref="ImageDataset"/> (Fashion-MNIST, CIFAR-10) seen as an
/// <see cref="IImageSource"/>, so that <see cref="PrefetchingLoader"/> can augment it.
/// </summary>
public sealed class ImageDatasetSource : IImageSource
{
    /// <summary>Wraps <paramref name="dataset"/>, which must have image-shaped (not flat) samples.</summary>
    /// <exception cref="ArgumentException">The data set's samples are flat.</exception>
    public ImageDatasetSource(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.SampleShape.IsFlat)
            throw new ArgumentException($"Samples of the flat shape {dataset.SampleShape} are not images.", nameof(dataset));
        Dataset = dataset;
    }

    /// <summary>The wrapped data set.</summary>
    public ImageDataset Dataset { get; }

    /// <inheritdoc/>
    public int Count => Dataset.Count;

    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => Dataset.ClassNames;

    /// <inheritdoc/>
    public int GetLabel(int index) => Dataset.GetLabel(index);

    /// <summary>A copy of sample <paramref name="index"/>; never null.</summary>
    public ImageTensor Load(int index)
    {
        TensorShape shape = Dataset.SampleShape;
        var image = new ImageTensor(shape.Channels, shape.Height, shape.Width);
        Dataset.GetImage(index).CopyTo(image.Data);
        return image;
    }

    ImageTensor? IImageSource.Load(int index) => Load(index);

    /// <inheritdoc/>
    public string Describe(int index) => "sample " + index.ToString(CultureInfo.InvariantCulture);
}

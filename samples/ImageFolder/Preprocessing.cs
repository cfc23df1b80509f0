using Cnn.Data;
using Cnn.Data.Transforms;
using Cnn.IO;

namespace ImageFolderSample;

/// <summary>
/// How an image file becomes a network input: resized to <see cref="Size"/>×<see cref="Size"/>
/// (squashed, as Keras's <c>image_dataset_from_directory</c>) and normalised per channel with
/// statistics of the training images. The statistics travel in the model file's metadata, so that
/// <c>predict</c> prepares an image exactly as training did.
/// </summary>
internal sealed record Preprocessing(int Size, Normalization Normalization)
{
    /// <summary>Resize and normalise: for validation, testing, prediction, and training without <c>--augment</c>.</summary>
    public IImageTransform Evaluation => new Compose(new Resize(Size, Size), new Normalize(Normalization));

    /// <summary>
    /// What training samples go through: <see cref="Evaluation"/>, with <paramref name="augment"/> a
    /// random horizontal flip and a random affine (±10°, ±10% shift, 90–110% zoom) after the resize.
    /// </summary>
    public IImageTransform Training(bool augment) => augment
        ? new Compose(
            new Resize(Size, Size),
            new RandomHorizontalFlip(),
            new RandomAffine { Degrees = 10, TranslateX = 0.1f, TranslateY = 0.1f, MinScale = 0.9f, MaxScale = 1.1f },
            new Normalize(Normalization))
        : Evaluation;

    /// <summary>
    /// Measures the per-channel mean and standard deviation of up to <paramref name="sampleCount"/>
    /// training images, evenly spaced over the data set, after resizing. The sums are kept in double
    /// per image, so memory does not grow with the number or size of the images.
    /// </summary>
    /// <returns>The preprocessing, and the number of images measured.</returns>
    public static (Preprocessing Preprocessing, int Measured) Estimate(ImageFolderDataset train, int size, int sampleCount = 1000)
    {
        int count = Math.Min(sampleCount, train.Count);
        var resize = new Resize(size, size);
        var images = new ImageTensor?[count];
        Parallel.For(0, count, i =>
        {
            ImageTensor? image = train.Load((int)((long)i * train.Count / count));
            images[i] = image is null ? null : resize.Apply(image);
        });
        ImageTensor[] loaded = images.OfType<ImageTensor>().ToArray();
        if (loaded.Length == 0)
            throw new InvalidDataException($"None of the {count} training images sampled under '{train.Root}' could be decoded.");

        int channels = loaded[0].Channels;
        var sum = new double[channels];
        var sumSquares = new double[channels];
        foreach (ImageTensor image in loaded)
        {
            for (int c = 0; c < channels; c++)
            {
                foreach (float v in image.Plane(c))
                {
                    sum[c] += v;
                    sumSquares[c] += (double)v * v;
                }
            }
        }
        double n = (double)loaded.Length * size * size;
        float[] mean = sum.Select(s => (float)(s / n)).ToArray();
        float[] std = sumSquares.Select((s2, c) => Math.Max(s2 / n - mean[c] * (double)mean[c], 0)).Select(v => v > 0 ? (float)Math.Sqrt(v) : 1f).ToArray();
        return (new Preprocessing(size, new Normalization(mean, std)), loaded.Length);
    }

    /// <summary>The normalisation as model-file metadata strings.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata() => NormalizationMetadata.ToMetadata(Normalization);

    /// <summary>Reads what <see cref="ToMetadata"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The metadata lacks the normalisation or it is malformed.</exception>
    public static Preprocessing FromMetadata(IReadOnlyDictionary<string, string> metadata, int size, string path)
    {
        try
        {
            return new Preprocessing(size, NormalizationMetadata.FromMetadata(metadata)
                ?? throw new InvalidDataException($"'{path}' has no {NormalizationMetadata.MeanKey}/{NormalizationMetadata.StdKey} metadata; was it written by this sample's train command?"));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"'{path}' has malformed normalization metadata: {e.Message}", e);
        }
    }
}

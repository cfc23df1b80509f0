using System.Globalization;

namespace Cnn.Data;

/// <summary>
/// An in-memory labelled image data set: <see cref="Count"/> samples of <see cref="SampleShape"/>
/// stored contiguously, sample-major then channel-major (N×C×H×W, as PyTorch), with one class index
/// per sample. Slices share the storage, so <see cref="Slice"/> and <see cref="Split"/> copy nothing.
/// </summary>
public sealed class ImageDataset
{
    private readonly ReadOnlyMemory<float> _pixels;
    private readonly ReadOnlyMemory<int> _labels;

    /// <summary>Creates a data set over <paramref name="pixels"/> and <paramref name="labels"/>, which it does not copy.</summary>
    /// <param name="pixels">N × <paramref name="sampleShape"/>.Size values.</param>
    /// <param name="labels">N class indices, each in [0, <paramref name="classNames"/>.Count).</param>
    /// <param name="sampleShape">The shape of one sample, e.g. (1, 28, 28).</param>
    /// <param name="classNames">The name of each class; its count is <see cref="ClassCount"/>.</param>
    /// <exception cref="ArgumentException">The lengths disagree or a label is out of range; the message names the sample.</exception>
    public ImageDataset(ReadOnlyMemory<float> pixels, ReadOnlyMemory<int> labels, TensorShape sampleShape, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (sampleShape.Size <= 0 || sampleShape.Channels <= 0)
            throw new ArgumentException($"The sample shape {sampleShape} has no elements.", nameof(sampleShape));
        if (classNames.Count == 0)
            throw new ArgumentException("A labelled data set needs at least one class name.", nameof(classNames));
        if ((long)labels.Length * sampleShape.Size != pixels.Length)
            throw new ArgumentException(
                $"{labels.Length} labels need {(long)labels.Length * sampleShape.Size} pixel values of shape {sampleShape}; got {pixels.Length}.", nameof(pixels));

        ReadOnlySpan<int> span = labels.Span;
        for (int i = 0; i < span.Length; i++)
        {
            if ((uint)span[i] >= (uint)classNames.Count)
                throw new ArgumentException($"The label of sample {i} is {span[i]}; expected a class index in [0, {classNames.Count}).", nameof(labels));
        }

        _pixels = pixels;
        _labels = labels;
        SampleShape = sampleShape;
        ClassNames = Array.AsReadOnly(classNames.ToArray());
    }

    private ImageDataset(ImageDataset source, int start, int count)
    {
        int size = source.SampleShape.Size;
        _pixels = source._pixels.Slice(start * size, count * size);
        _labels = source._labels.Slice(start, count);
        SampleShape = source.SampleShape;
        ClassNames = source.ClassNames;
    }

    /// <summary>The number of samples.</summary>
    public int Count => _labels.Length;

    /// <summary>The shape of one sample (channels, height, width).</summary>
    public TensorShape SampleShape { get; }

    /// <summary>Values per sample: <see cref="SampleShape"/>.Size.</summary>
    public int SampleSize => SampleShape.Size;

    /// <summary>The number of classes; every label is below it.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>All samples' values, N×C×H×W.</summary>
    public ReadOnlyMemory<float> Pixels => _pixels;

    /// <summary>All samples' class indices.</summary>
    public ReadOnlyMemory<int> Labels => _labels;

    /// <summary>The values of sample <paramref name="index"/>, channel-major.</summary>
    public ReadOnlySpan<float> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _pixels.Span.Slice(index * SampleSize, SampleSize);
    }

    /// <summary>The class index of sample <paramref name="index"/>.</summary>
    public int GetLabel(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _labels.Span[index];
    }

    /// <summary>Samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>), sharing this set's storage.</summary>
    public ImageDataset Slice(int start, int count)
    {
        if ((uint)start > (uint)Count || (uint)count > (uint)(Count - start))
            throw new ArgumentOutOfRangeException(nameof(start), $"Samples [{start}, {(long)start + count}) are outside a data set of {Count}.");
        return new ImageDataset(this, start, count);
    }

    /// <summary>The first <paramref name="count"/> samples, or all of them if there are fewer.</summary>
    public ImageDataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Slice(0, Math.Min(count, Count));
    }

    /// <summary>
    /// Splits into the first <paramref name="firstCount"/> samples and the rest, e.g. training and
    /// validation sets (as Keras's <c>validation_split</c>, which also takes the tail unshuffled).
    /// </summary>
    public (ImageDataset First, ImageDataset Second) Split(int firstCount)
    {
        if ((uint)firstCount > (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(firstCount), $"Cannot split {firstCount} samples off a data set of {Count}.");
        return (Slice(0, firstCount), Slice(firstCount, Count - firstCount));
    }

    /// <summary>The number of samples of each class, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in _labels.Span)
            counts[label]++;
        return counts;
    }

    /// <summary>
    /// The mean and (population) standard deviation of each channel over all samples, accumulated in
    /// double precision, for use as this set's <see cref="Normalization"/>. A channel with no spread
    /// gets std 1 so that normalising it only centres it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data set is empty.</exception>
    public Normalization ComputeNormalization()
    {
        if (Count == 0)
            throw new InvalidOperationException("Cannot compute the normalization of an empty data set.");
        int channels = SampleShape.Channels;
        int plane = SampleShape.IsFlat ? 1 : SampleShape.Height * SampleShape.Width;
        var sum = new double[channels];
        var sumSquares = new double[channels];
        ReadOnlySpan<float> pixels = _pixels.Span;
        for (int n = 0; n < Count; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                // Per-plane partial sums keep the double accumulators well conditioned.
                double s = 0, s2 = 0;
                foreach (float v in pixels.Slice((n * channels + c) * plane, plane))
                {
                    s += v;
                    s2 += (double)v * v;
                }
                sum[c] += s;
                sumSquares[c] += s2;
            }
        }

        double perChannel = (double)Count * plane;
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / perChannel;
            double variance = Math.Max(0, sumSquares[c] / perChannel - m * m);
            mean[c] = (float)m;
            std[c] = variance > 0 ? (float)Math.Sqrt(variance) : 1f;
        }
        return new Normalization(mean, std);
    }

    /// <summary>Class names "0", "1", … for <paramref name="count"/> classes, for data sets without names.</summary>
    public static IReadOnlyList<string> NumberedClassNames(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var names = new string[count];
        for (int i = 0; i < count; i++)
            names[i] = i.ToString(CultureInfo.InvariantCulture);
        return Array.AsReadOnly(names);
    }

    /// <inheritdoc/>
    public override string ToString() => $"ImageDataset({Count} samples of {SampleShape}, {ClassCount} classes)";
}

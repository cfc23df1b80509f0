namespace Cnn.Data;

/// <summary>
/// Loads data sets stored as MNIST does: an IDX file of uint8 images (N × H × W, magic 0x00000803)
/// and an IDX file of uint8 labels (N, magic 0x00000801), raw or gzipped. MNIST, Fashion-MNIST,
/// KMNIST and EMNIST all use it.
/// </summary>
public static class MnistFormat
{
    /// <summary>
    /// Loads an image file and its label file as a one-channel <see cref="ImageDataset"/> with
    /// pixels scaled from bytes to [0, 1].
    /// </summary>
    /// <param name="imagesPath">The IDX images file (rank 3).</param>
    /// <param name="labelsPath">The IDX labels file (rank 1).</param>
    /// <param name="classNames">
    /// The class names; null numbers the classes "0" … up to the largest label (at least 10, as MNIST).
    /// </param>
    /// <param name="limit">Load at most this many samples, from the start.</param>
    /// <exception cref="DataFormatException">
    /// A file is malformed, the files declare different sample counts, or a label is outside the classes.
    /// </exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static ImageDataset Load(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null, int? limit = null)
    {
        IdxArray labels = IdxReader.Read(labelsPath, expectedRank: 1, limit);
        IdxArray images = IdxReader.Read(imagesPath, expectedRank: 3, limit);
        if (images.DeclaredCount != labels.DeclaredCount)
        {
            throw new DataFormatException(labelsPath, 4,
                $"the labels file declares {labels.DeclaredCount} labels (at offset 4) but the images file '{imagesPath}' " +
                $"declares {images.DeclaredCount} images (at offset 4); they must be a matching pair");
        }

        int count = images.Count;
        byte[] labelBytes = labels.Data;
        int largest = 0;
        for (int i = 0; i < count; i++)
            largest = Math.Max(largest, labelBytes[i]);
        classNames ??= ImageDataset.NumberedClassNames(Math.Max(10, largest + 1));

        var labelValues = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = labelBytes[i];
            if (label >= classNames.Count)
            {
                throw new DataFormatException(labelsPath, labels.DataOffset + i,
                    $"the label of sample {i} is {label}; expected a class index in [0, {classNames.Count}) for the {classNames.Count} class names given");
            }
            labelValues[i] = label;
        }

        byte[] bytes = images.Data;
        var pixels = GC.AllocateUninitializedArray<float>(bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
            pixels[i] = bytes[i] * (1f / 255f);

        var shape = new TensorShape(1, images.Dimensions[1], images.Dimensions[2]);
        return new ImageDataset(pixels, labelValues, shape, classNames);
    }
}

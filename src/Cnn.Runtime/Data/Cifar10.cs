namespace Cnn.Data;

/// <summary>
/// CIFAR-10 (Krizhevsky, 2009) in its binary version (<c>cifar-10-batches-bin</c>): 32×32 colour
/// images in ten classes, 50,000 for training in <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> and
/// 10,000 for testing in <c>test_batch.bin</c>. Each file is a sequence of 3073-byte records: one label
/// byte (0–9), then 1024 red, 1024 green and 1024 blue bytes, each plane row-major — which is
/// already the C×H×W layout of a sample.
/// </summary>
public static class Cifar10
{
    /// <summary>Bytes per record: a label and 3 × 32 × 32 pixels.</summary>
    public const int RecordSize = 1 + PixelsPerImage;

    private const int PixelsPerImage = 3 * 32 * 32;

    /// <summary>The standard class names, indexed by label, used when there is no <c>batches.meta.txt</c>.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(new[]
    {
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    });

    /// <summary>The shape of one sample: (3, 32, 32).</summary>
    public static TensorShape SampleShape { get; } = new(3, 32, 32);

    /// <summary>
    /// Loads the training batches (in order 1 to 5) or the test batch from <paramref name="directory"/>,
    /// with pixels scaled to [0, 1] and the class names of <c>batches.meta.txt</c> when it is there.
    /// The training set takes 600 MB as floats; <paramref name="limit"/> loads fewer.
    /// </summary>
    /// <param name="directory">The folder of the <c>.bin</c> files, e.g. <c>cifar-10-batches-bin</c>.</param>
    /// <param name="train">The training batches if true, the test batch if false.</param>
    /// <param name="limit">Load at most this many samples, from the start.</param>
    /// <exception cref="FileNotFoundException">A batch file is missing; the message names it.</exception>
    /// <exception cref="DataFormatException">A file is malformed; the message names it, the record and the byte offset.</exception>
    public static ImageDataset Load(string directory, bool train, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (limit < 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");
        string[] names = train
            ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]
            : ["test_batch.bin"];
        IReadOnlyList<string> classNames = ReadClassNames(directory);

        var pixels = new List<float[]>();
        var labels = new List<int[]>();
        int total = 0;
        foreach (string name in names)
        {
            if (total >= limit)
                break;
            string path = Path.Combine(directory, name);
            if (!File.Exists(path))
            {
                string where = Directory.Exists(directory) ? $"in '{directory}'" : $"because the directory '{directory}' does not exist";
                throw new FileNotFoundException(
                    $"CIFAR-10 batch {name} not found {where}; it should hold {string.Join(", ", names)} and batches.meta.txt " +
                    "(the binary version, cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html).", path);
            }
            (float[] p, int[] l) = ReadRecords(path, classNames.Count, limit - total);
            pixels.Add(p);
            labels.Add(l);
            total += l.Length;
        }

        var allPixels = GC.AllocateUninitializedArray<float>(total * PixelsPerImage);
        var allLabels = new int[total];
        int offset = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            pixels[i].CopyTo(allPixels, (long)offset * PixelsPerImage);
            labels[i].CopyTo(allLabels, offset);
            offset += labels[i].Length;
        }
        return new ImageDataset(allPixels, allLabels, SampleShape, classNames);
    }

    /// <summary>Reads one batch file (e.g. <c>data_batch_3.bin</c>) with the standard class names.</summary>
    /// <param name="path">The file.</param>
    /// <param name="limit">Read at most this many records, from the start.</param>
    /// <exception cref="DataFormatException">
    /// The file's size is not a whole number of 3073-byte records, or a label is above 9; the message
    /// names the file, the record index and its byte offset.
    /// </exception>
    public static ImageDataset ReadBatch(string path, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        (float[] pixels, int[] labels) = ReadRecords(path, ClassNames.Count, limit);
        return new ImageDataset(pixels, labels, SampleShape, ClassNames);
    }

    /// <summary>
    /// The class names in <c>batches.meta.txt</c> in <paramref name="directory"/> (one per line, blank
    /// lines ignored), or <see cref="ClassNames"/> if there is no such file.
    /// </summary>
    /// <exception cref="DataFormatException">The file does not hold exactly ten names.</exception>
    public static IReadOnlyList<string> ReadClassNames(string directory)
    {
        string path = Path.Combine(directory, "batches.meta.txt");
        if (!File.Exists(path))
            return ClassNames;
        string[] names = File.ReadAllLines(path).Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
        if (names.Length != 10)
            throw new DataFormatException(path, 0, $"expected the 10 CIFAR-10 class names, one per line; found {names.Length}");
        return Array.AsReadOnly(names);
    }

    private static (float[] Pixels, int[] Labels) ReadRecords(string path, int classCount, int? limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        long length = stream.Length;
        if (length % RecordSize != 0)
        {
            long records = length / RecordSize;
            throw new DataFormatException(path, records * RecordSize,
                $"the file is {length} bytes, not a whole number of {RecordSize}-byte records: record {records} " +
                $"(at byte offset {records * RecordSize}) has only {length % RecordSize} bytes; the file is truncated or not a CIFAR-10 binary batch");
        }

        int count = (int)Math.Min(length / RecordSize, limit ?? int.MaxValue);
        var pixels = GC.AllocateUninitializedArray<float>(count * PixelsPerImage);
        var labels = new int[count];
        var record = new byte[RecordSize];
        for (int i = 0; i < count; i++)
        {
            stream.ReadExactly(record);
            int label = record[0];
            if (label >= classCount)
            {
                throw new DataFormatException(path, (long)i * RecordSize,
                    $"record {i} has label {label}; expected a class index in [0, {classCount})");
            }
            labels[i] = label;
            Span<float> destination = pixels.AsSpan(i * PixelsPerImage, PixelsPerImage);
            for (int p = 0; p < PixelsPerImage; p++)
                destination[p] = record[1 + p] * (1f / 255f);
        }
        return (pixels, labels);
    }
}

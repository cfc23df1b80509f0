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

    /// <summary>The records in each of the six published batch files, and the most a batch may hold.</summary>
    public const int RecordsPerBatch = 10_000;

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
    /// <remarks>
    /// The batches of a set must hold the same number of records, at most <see cref="RecordsPerBatch"/>
    /// (the published files hold exactly that; smaller uniform sets, e.g. generated for tests, load
    /// too), and all are checked before any is read, even when <paramref name="limit"/> needs only the
    /// first: a short <c>data_batch_3.bin</c> would otherwise silently give fewer images.
    /// </remarks>
    /// <param name="directory">The folder of the <c>.bin</c> files, e.g. <c>cifar-10-batches-bin</c>.</param>
    /// <param name="train">The training batches if true, the test batch if false.</param>
    /// <param name="limit">Load at most this many samples, from the start.</param>
    /// <exception cref="FileNotFoundException">A batch file is missing, or is a directory; the message names it.</exception>
    /// <exception cref="DataFormatException">
    /// A file is malformed (empty, not a whole number of records, fewer or more records than the
    /// other batches or more than <see cref="RecordsPerBatch"/>, a label above 9) or cannot be read;
    /// the message names it, the record and the byte offset.
    /// </exception>
    public static ImageDataset Load(string directory, bool train, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (limit < 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");
        string[] names = train
            ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"]
            : ["test_batch.bin"];
        IReadOnlyList<string> classNames = ReadClassNames(directory);

        string[] paths = names.Select(name => Path.Combine(directory, name)).ToArray();
        foreach (string path in paths)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                string where = Directory.Exists(directory) ? $"in '{directory}'" : $"because the directory '{directory}' does not exist";
                throw new FileNotFoundException(
                    $"CIFAR-10 batch {Path.GetFileName(path)} not found {where}; it should hold {string.Join(", ", names)} and batches.meta.txt " +
                    "(the binary version, cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html).", path);
            }
        }
        CheckBatchSizes(paths);

        var pixels = new List<float[]>();
        var labels = new List<int[]>();
        long total = 0;
        foreach (string path in paths)
        {
            if (total >= limit)
                break;
            (float[] p, int[] l) = ReadRecords(path, classNames.Count, limit - (int)total);
            pixels.Add(p);
            labels.Add(l);
            total += l.Length;
        }

        if (total * PixelsPerImage > Array.MaxLength)
            throw new DataFormatException(paths[^1], 0, $"the batches hold {total} records, {total * PixelsPerImage} values, more than one array can hold; pass a limit");
        var allPixels = GC.AllocateUninitializedArray<float>((int)(total * PixelsPerImage));
        var allLabels = new int[total];
        long offset = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            pixels[i].CopyTo(allPixels, offset * PixelsPerImage);
            labels[i].CopyTo(allLabels, offset);
            offset += labels[i].Length;
        }
        return new ImageDataset(allPixels, allLabels, SampleShape, classNames);
    }

    /// <summary>
    /// Checks that every batch is a whole number of records, at most <see cref="RecordsPerBatch"/>,
    /// and as many as the others: the most common count, the larger on a tie, since a batch is far
    /// more often cut short than grown.
    /// </summary>
    private static void CheckBatchSizes(string[] paths)
    {
        var counts = new long[paths.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            long length;
            using (FileStream stream = DataFile.OpenRead(paths[i], "CIFAR-10 batch"))
                length = stream.Length;
            counts[i] = CheckLength(paths[i], length);
            if (counts[i] > RecordsPerBatch)
            {
                throw new DataFormatException(paths[i], (long)RecordsPerBatch * RecordSize,
                    $"the file holds {counts[i]} records; a CIFAR-10 batch holds {RecordsPerBatch}, so record {RecordsPerBatch} " +
                    $"(at byte offset {(long)RecordsPerBatch * RecordSize}) is one too many");
            }
        }
        long expected = counts.GroupBy(c => c).OrderByDescending(g => g.Count()).ThenByDescending(g => g.Key).First().Key;
        for (int i = 0; i < paths.Length; i++)
        {
            if (counts[i] == expected)
                continue;
            long at = Math.Min(counts[i], expected) * RecordSize;
            throw new DataFormatException(paths[i], at, counts[i] < expected
                ? $"the file holds {counts[i]} records and ends at byte offset {at}, before record {counts[i]}, but the other batches hold {expected} each: the file is truncated"
                : $"the file holds {counts[i]} records but the other batches hold {expected} each, so record {expected} (at byte offset {at}) is one too many");
        }
    }

    /// <summary>Reads one batch file (e.g. <c>data_batch_3.bin</c>) with the standard class names.</summary>
    /// <param name="path">The file.</param>
    /// <param name="limit">Read at most this many records, from the start.</param>
    /// <exception cref="DataFormatException">
    /// The file is empty, its size is not a whole number of 3073-byte records, it holds more records
    /// than one array can (pass a limit), a label is above 9, or it cannot be read; the message names
    /// the file, the record index and its byte offset.
    /// </exception>
    /// <exception cref="FileNotFoundException">The file does not exist, or the path is a directory.</exception>
    public static ImageDataset ReadBatch(string path, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (limit < 0)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The limit must not be negative.");
        (float[] pixels, int[] labels) = ReadRecords(path, ClassNames.Count, limit);
        return new ImageDataset(pixels, labels, SampleShape, ClassNames);
    }

    /// <summary>
    /// The class names in <c>batches.meta.txt</c> in <paramref name="directory"/> (one per line, blank
    /// lines ignored), or <see cref="ClassNames"/> if there is no such file.
    /// </summary>
    /// <exception cref="DataFormatException">The file does not hold exactly ten names, or cannot be read.</exception>
    public static IReadOnlyList<string> ReadClassNames(string directory)
    {
        string path = Path.Combine(directory, "batches.meta.txt");
        if (!File.Exists(path))
            return ClassNames;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DataFile.ReadError(path, 0, e);
        }
        string[] names = lines.Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
        if (names.Length != 10)
            throw new DataFormatException(path, 0, $"expected the 10 CIFAR-10 class names, one per line; found {names.Length}");
        return Array.AsReadOnly(names);
    }

    /// <summary>Checks that a batch of <paramref name="length"/> bytes is a whole number of records, at least one; returns their count.</summary>
    private static long CheckLength(string path, long length)
    {
        if (length == 0)
            throw new DataFormatException(path, 0, $"the file is empty; a CIFAR-10 binary batch holds {RecordSize}-byte records ({RecordsPerBatch} in the published files)");
        long records = length / RecordSize;
        if (length % RecordSize != 0)
        {
            throw new DataFormatException(path, records * RecordSize,
                $"the file is {length} bytes, not a whole number of {RecordSize}-byte records: record {records} " +
                $"(at byte offset {records * RecordSize}) has only {length % RecordSize} bytes; the file is truncated or not a CIFAR-10 binary batch");
        }
        return records;
    }

    private static (float[] Pixels, int[] Labels) ReadRecords(string path, int classCount, int? limit)
    {
        using FileStream stream = DataFile.OpenRead(path, "CIFAR-10 batch");
        long records = CheckLength(path, stream.Length);
        long count = Math.Min(records, limit ?? long.MaxValue);
        if (count * PixelsPerImage > Array.MaxLength)
        {
            long fit = Array.MaxLength / PixelsPerImage;
            throw new DataFormatException(path, fit * RecordSize,
                $"the file holds {records} records; from record {fit} (at byte offset {fit * RecordSize}) on they do not fit in one array of floats " +
                $"({count * PixelsPerImage} values): pass a limit of at most {fit}");
        }

        var pixels = GC.AllocateUninitializedArray<float>((int)(count * PixelsPerImage));
        var labels = new int[count];
        var record = new byte[RecordSize];
        for (int i = 0; i < count; i++)
        {
            try
            {
                stream.ReadExactly(record);
            }
            catch (Exception e) when (e is IOException)
            {
                // The file shrank while being read, or the disk failed.
                throw new DataFormatException(path, (long)i * RecordSize, $"record {i} cannot be read ({e.GetType().Name}: {e.Message})", e);
            }
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

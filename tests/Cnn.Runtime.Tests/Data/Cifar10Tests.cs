using Xunit;

namespace Cnn.Data.Tests;

public sealed class Cifar10Tests : IDisposable
{
    private readonly TempDirectory _directory = new("cnn-cifar-tests-");

    public void Dispose() => _directory.Dispose();

    /// <summary>Records with seeded random pixels and the given labels.</summary>
    private static byte[] Records(ulong seed, params byte[] labels)
    {
        var random = new SeededRandom(seed);
        var bytes = new byte[labels.Length * Cifar10.RecordSize];
        for (int r = 0; r < labels.Length; r++)
        {
            bytes[r * Cifar10.RecordSize] = labels[r];
            for (int p = 1; p < Cifar10.RecordSize; p++)
                bytes[r * Cifar10.RecordSize + p] = (byte)random.NextInt(256);
        }
        return bytes;
    }

    [Fact]
    public void ReadBatch_ReadsLabelThenRedGreenBluePlanes()
    {
        byte[] bytes = Records(1, 3, 9);
        // Record 1: red (0, 0) = 10, green (0, 1) = 20, blue (31, 31) = 255.
        int r1 = Cifar10.RecordSize;
        bytes[r1 + 1] = 10;
        bytes[r1 + 1 + 1024 + 1] = 20;
        bytes[r1 + 1 + 2048 + 31 * 32 + 31] = 255;
        string path = _directory.Write("data_batch_1.bin", bytes);

        ImageDataset batch = Cifar10.ReadBatch(path);

        Assert.Equal(2, batch.Count);
        Assert.Equal(new TensorShape(3, 32, 32), batch.SampleShape);
        Assert.Equal([3, 9], batch.Labels.ToArray());
        ReadOnlySpan<float> image = batch.GetImage(1);
        Assert.Equal(10 * (1f / 255f), image[0]);
        Assert.Equal(20 * (1f / 255f), image[1024 + 1]);
        Assert.Equal(1f, image[2048 + 31 * 32 + 31]);
        for (int p = 0; p < 3072; p++)
            Assert.Equal(bytes[1 + p] * (1f / 255f), batch.GetImage(0)[p]);
        Assert.Equal("cat", batch.ClassNames[3]);
    }

    [Fact]
    public void Load_ConcatenatesTheFiveTrainingBatchesInOrder()
    {
        for (int b = 1; b <= 5; b++)
            _directory.Write($"data_batch_{b}.bin", Records((ulong)b, (byte)b, (byte)(b - 1)));
        _directory.Write("test_batch.bin", Records(9, 7));

        ImageDataset train = Cifar10.Load(_directory.Path, train: true);
        ImageDataset test = Cifar10.Load(_directory.Path, train: false);

        Assert.Equal([1, 0, 2, 1, 3, 2, 4, 3, 5, 4], train.Labels.ToArray());
        Assert.Equal(Cifar10.ReadBatch(Path.Combine(_directory.Path, "data_batch_3.bin")).GetImage(1).ToArray(), train.GetImage(5).ToArray());
        Assert.Equal([7], test.Labels.ToArray());
    }

    [Fact]
    public void Load_WithLimit_StopsReadingEarly()
    {
        for (int b = 1; b <= 5; b++)
            _directory.Write($"data_batch_{b}.bin", Records((ulong)b, 1, 2, 3));

        ImageDataset train = Cifar10.Load(_directory.Path, train: true, limit: 4);

        Assert.Equal([1, 2, 3, 1], train.Labels.ToArray());
    }

    [Fact]
    public void Load_TakesClassNamesFromBatchesMetaTxt()
    {
        _directory.Write("test_batch.bin", Records(2, 0));
        string[] names = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"];
        File.WriteAllText(Path.Combine(_directory.Path, "batches.meta.txt"), string.Join("\n", names) + "\n\n");

        ImageDataset test = Cifar10.Load(_directory.Path, train: false);

        Assert.Equal(names, test.ClassNames);
    }

    [Fact]
    public void Load_WithoutMetaFile_UsesTheStandardNames()
    {
        _directory.Write("test_batch.bin", Records(2, 0));

        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
            Cifar10.Load(_directory.Path, train: false).ClassNames);
    }

    [Fact]
    public void ReadBatch_SizeNotAMultipleOfTheRecord_NamesFileRecordAndOffset()
    {
        byte[] bytes = Records(3, 1, 2, 3);
        string path = _directory.Write("data_batch_2.bin", bytes[..^100]);

        var error = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(path));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(2L * 3073, error.Offset);
        Assert.Contains("record 2", error.Message);
        Assert.Contains("3073", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ReadBatch_LabelAboveNine_NamesFileRecordAndOffset()
    {
        string path = _directory.Write("test_batch.bin", Records(4, 1, 2, 10, 3));

        var error = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(path));

        Assert.Equal(2L * 3073, error.Offset);
        Assert.Contains("record 2 has label 10", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Load_MissingBatch_NamesTheFile()
    {
        _directory.Write("data_batch_1.bin", Records(5, 1));

        var error = Assert.Throws<FileNotFoundException>(() => Cifar10.Load(_directory.Path, train: true));

        Assert.Contains("data_batch_2.bin", error.Message);
    }

    [Fact]
    public void ReadBatch_EmptyFile_IsAFormatErrorNamingTheFile()
    {
        string path = _directory.Write("data_batch_1.bin", []);

        var error = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(path));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(0, error.Offset);
        Assert.Contains(path, error.Message);
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void Load_ThirdBatchShorterThanTheOthers_NamesItAndWhereItEnds()
    {
        for (int b = 1; b <= 5; b++)
            _directory.Write($"data_batch_{b}.bin", b == 3 ? Records((ulong)b, 1, 2) : Records((ulong)b, 1, 2, 3));

        var error = Assert.Throws<DataFormatException>(() => Cifar10.Load(_directory.Path, train: true));

        string third = Path.Combine(_directory.Path, "data_batch_3.bin");
        Assert.Equal(third, error.FilePath);
        Assert.Equal(2L * Cifar10.RecordSize, error.Offset);
        Assert.Contains(third, error.Message);
        Assert.Contains("holds 2 records", error.Message);
        Assert.Contains("the other batches hold 3 each", error.Message);
    }

    [Fact]
    public void Load_BatchOfMoreThanTenThousandRecords_IsRefused()
    {
        string path = Path.Combine(_directory.Path, "test_batch.bin");
        using (var stream = new FileStream(path, FileMode.CreateNew))
            stream.SetLength(10_001L * Cifar10.RecordSize);

        var error = Assert.Throws<DataFormatException>(() => Cifar10.Load(_directory.Path, train: false));

        Assert.Equal(path, error.FilePath);
        Assert.Equal(10_000L * Cifar10.RecordSize, error.Offset);
        Assert.Contains("record 10000", error.Message);
    }

    [Fact]
    public void Load_ShortThirdBatch_IsFoundBeforeLoadingAnythingEvenWithALimit()
    {
        // Full-size batches as sparse files, so the test costs no disk; a limit of 3 reads only batch 1.
        for (int b = 1; b <= 5; b++)
        {
            string full = Path.Combine(_directory.Path, $"data_batch_{b}.bin");
            using var stream = new FileStream(full, FileMode.CreateNew);
            stream.SetLength(b == 3 ? 9999L * Cifar10.RecordSize : 10000L * Cifar10.RecordSize);
        }

        var error = Assert.Throws<DataFormatException>(() => Cifar10.Load(_directory.Path, train: true, limit: 3));

        string third = Path.Combine(_directory.Path, "data_batch_3.bin");
        Assert.Equal(third, error.FilePath);
        Assert.Equal(9999L * Cifar10.RecordSize, error.Offset);
        Assert.Contains("record 9999", error.Message);
    }

    [Fact]
    public void ReadBatch_MoreRecordsThanOneArrayHolds_IsAFormatErrorNamingTheFile()
    {
        // 700,000 records × 3072 values overflow an int; a sparse file of 2.15 GB costs no disk.
        string path = Path.Combine(_directory.Path, "huge.bin");
        using (var stream = new FileStream(path, FileMode.CreateNew))
            stream.SetLength(700_000L * Cifar10.RecordSize);

        var error = Assert.Throws<DataFormatException>(() => Cifar10.ReadBatch(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Contains("700000 records", error.Message);
    }

    [Fact]
    public void ReadBatch_Directory_ThrowsFileNotFoundSayingItIsADirectory()
    {
        string path = Path.Combine(_directory.Path, "data_batch_1.bin");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<FileNotFoundException>(() => Cifar10.ReadBatch(path));

        Assert.Equal(path, error.FileName);
        Assert.Contains("is a directory", error.Message);
    }

    [Fact]
    public void ReadClassNames_WrongCount_IsAFormatError()
    {
        File.WriteAllText(Path.Combine(_directory.Path, "batches.meta.txt"), "cat\ndog\n");

        var error = Assert.Throws<DataFormatException>(() => Cifar10.ReadClassNames(_directory.Path));

        Assert.Contains("found 2", error.Message);
    }
}

using Xunit;

namespace Cnn.Data.Tests;

public sealed class MnistFormatTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_ScalesBytesToUnitRangeAndKeepsLabels(bool gzip)
    {
        var (images, labels, pixels, labelBytes) = _files.WritePair("train", count: 12, height: 4, width: 3, classes: 10, seed: 21, gzip);

        ImageDataset dataset = MnistFormat.Load(images, labels);

        Assert.Equal(12, dataset.Count);
        Assert.Equal(new TensorShape(1, 4, 3), dataset.SampleShape);
        Assert.Equal(10, dataset.ClassCount);
        Assert.Equal(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], dataset.ClassNames);
        float[] values = dataset.Pixels.ToArray();
        for (int i = 0; i < pixels.Length; i++)
            Assert.Equal(pixels[i] / 255f, values[i], 1e-7f);
        Assert.Equal(labelBytes.Select(b => (int)b).ToArray(), dataset.Labels.ToArray());
    }

    [Fact]
    public void Load_ExtremeBytes_MapToZeroAndOne()
    {
        string images = _files.Write("i", IdxTestFiles.Build(0x803, [1, 1, 2], [0, 255]));
        string labels = _files.Write("l", IdxTestFiles.Build(0x801, [1], [3]));

        ImageDataset dataset = MnistFormat.Load(images, labels);

        Assert.Equal([0f, 1f], dataset.GetImage(0).ToArray());
        Assert.Equal(3, dataset.GetLabel(0));
    }

    [Fact]
    public void Load_WithClassNamesAndLimit_TakesTheFirstSamples()
    {
        var (images, labels, pixels, labelBytes) = _files.WritePair("t10k", count: 20, height: 2, width: 2, classes: 3, seed: 22);

        ImageDataset dataset = MnistFormat.Load(images, labels, ["a", "b", "c"], limit: 5);

        Assert.Equal(5, dataset.Count);
        Assert.Equal(["a", "b", "c"], dataset.ClassNames);
        Assert.Equal(labelBytes[..5].Select(b => (int)b).ToArray(), dataset.Labels.ToArray());
        Assert.Equal(pixels[19] / 255f, dataset.GetImage(4)[3], 1e-7f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_CountMismatch_NamesBothFilesAndTheCountOffset(bool gzip)
    {
        string images = _files.Write("train-images-idx3-ubyte", IdxTestFiles.Build(0x803, [5, 2, 2], new byte[20]), gzip);
        string labels = _files.Write("train-labels-idx1-ubyte", IdxTestFiles.Build(0x801, [4], new byte[4]), gzip);

        var error = Assert.Throws<DataFormatException>(() => MnistFormat.Load(images, labels));

        Assert.Equal(labels, error.FilePath);
        Assert.Equal(4, error.Offset);
        Assert.Contains(labels, error.Message);
        Assert.Contains(images, error.Message);
        Assert.Contains("byte offset 4", error.Message);
        Assert.Contains("declares 4 labels", error.Message);
        Assert.Contains("declares 5 images", error.Message);
    }

    [Fact]
    public void Load_CountMismatchWithLimit_StillFails()
    {
        string images = _files.Write("i", IdxTestFiles.Build(0x803, [5, 1, 1], new byte[5]));
        string labels = _files.Write("l", IdxTestFiles.Build(0x801, [6], new byte[6]));

        Assert.Throws<DataFormatException>(() => MnistFormat.Load(images, labels, limit: 2));
    }

    [Fact]
    public void Load_LabelOutsideTheClassNames_NamesItsOffset()
    {
        string images = _files.Write("i", IdxTestFiles.Build(0x803, [3, 1, 1], new byte[3]));
        string labels = _files.Write("train-labels-idx1-ubyte", IdxTestFiles.Build(0x801, [3], [0, 1, 7]));

        var error = Assert.Throws<DataFormatException>(() => MnistFormat.Load(images, labels, ["x", "y"]));

        Assert.Equal(10, error.Offset);
        Assert.Contains("train-labels-idx1-ubyte", error.Message);
        Assert.Contains("the label of sample 2 is 7", error.Message);
    }

    [Fact]
    public void Load_ImagesPassedAsLabels_ReportsWrongMagicInTheLabelsFile()
    {
        var (images, _, _, _) = _files.WritePair("train", count: 2, height: 2, width: 2, classes: 2, seed: 23);

        var error = Assert.Throws<DataFormatException>(() => MnistFormat.Load(images, images));

        Assert.Equal(images, error.FilePath);
        Assert.Contains("expected IDX magic number 0x00000801", error.Message);
    }
}

using Cnn.Data;
using ExportFashionMnist;
using Xunit;

namespace Cnn.Imaging.Tests;

public sealed class ExportFashionMnistTests : IDisposable
{
    private readonly TestImages _files = new();

    public void Dispose() => _files.Dispose();

    private static string[] LabelOrderFolders => ImageFolderWriter.ClassFolderNames(FashionMnist.ClassNames);

    /// <summary>Loads OUT/split back with labels in Fashion-MNIST's order, indexed by the number in each file name.</summary>
    private static (ImageDataset Dataset, int[] SourceIndex) LoadBack(string directory)
    {
        var folder = new ImageFolderDataset(directory, SkiaImageDecoder.Shared,
            new ImageFolderOptions { ColorMode = ImageColorMode.Grayscale, ClassNames = LabelOrderFolders, AllowEmptyClasses = true });
        int[] index = folder.Paths.Select(path => int.Parse(Path.GetFileNameWithoutExtension(path))).ToArray();
        return (folder.ToImageDataset(), index);
    }

    private static void AssertSameSamples(ImageDataset expected, ImageDataset actual, int[] sourceIndex)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(Enumerable.Range(0, expected.Count), sourceIndex.Order());
        for (int i = 0; i < actual.Count; i++)
        {
            int source = sourceIndex[i];
            Assert.Equal(expected.GetLabel(source), actual.GetLabel(i));
            Assert.True(expected.GetImage(source).SequenceEqual(actual.GetImage(i)), $"pixels of sample {source} differ");
        }
    }

    [Fact]
    public void Export_ThenLoadAsImageFolder_GivesTheSamePixelsAndLabels()
    {
        // A small Fashion-MNIST-format data set, so that the test does not need the real one.
        string data = Path.Combine(_files.Root, "idx");
        byte[] trainLabels = [0, 9, 3, 0, 5, 1, 2, 7, 9, 4, 8, 6];
        File.WriteAllBytes(_files.PathOf("idx/train-images-idx3-ubyte"), TestImages.Idx([12, 28, 28], TestImages.RandomPixels(28, 28 * 12, 1, seed: 1)));
        File.WriteAllBytes(_files.PathOf("idx/train-labels-idx1-ubyte"), TestImages.Idx([12], trainLabels));
        File.WriteAllBytes(_files.PathOf("idx/t10k-images-idx3-ubyte"), TestImages.Idx([3, 28, 28], TestImages.RandomPixels(28, 28 * 3, 1, seed: 2)));
        File.WriteAllBytes(_files.PathOf("idx/t10k-labels-idx1-ubyte"), TestImages.Idx([3], [1, 1, 0]));
        string output = Path.Combine(_files.Root, "out");
        var stdout = new StringWriter();

        int exit = Exporter.Run(["--data", data, "--out", output, "--limit", "11"], stdout, TextWriter.Null);

        Assert.Equal(0, exit);
        // Indices are zero-padded to the widest (10), so ordinal file order is sample order.
        Assert.True(File.Exists(Path.Combine(output, "train", "T-shirt_top", "00.png")));
        Assert.True(File.Exists(Path.Combine(output, "train", "Ankle boot", "01.png")));
        Assert.True(File.Exists(Path.Combine(output, "test", "Trouser", "0.png")));
        var (train, trainIndex) = LoadBack(Path.Combine(output, "train"));
        AssertSameSamples(FashionMnist.Load(data, train: true, limit: 11), train, trainIndex);
        var (test, testIndex) = LoadBack(Path.Combine(output, "test"));
        AssertSameSamples(FashionMnist.Load(data, train: false), test, testIndex);
        Assert.Contains("train: 11 images", stdout.ToString());
    }

    [Fact]
    public void Export_RealFashionMnist_RoundTripsTheFirstImages()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte")) &&
            !File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte.gz")))
            return; // CI installs the data set; without it the synthetic test above covers the exporter.
        string output = Path.Combine(_files.Root, "out");

        int exit = Exporter.Run(["--out", output, "--limit", "25"], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exit);
        var (test, index) = LoadBack(Path.Combine(output, "test"));
        AssertSameSamples(FashionMnist.Load(FashionMnist.DefaultDirectory, train: false, limit: 25), test, index);
    }

    [Theory]
    // The first three are System.CommandLine's own words; the --limit one is the sample's parser.
    [InlineData(new string[0], "Option '--out' is required")]
    [InlineData(new[] { "--out", "x", "--limit", "many" }, "--limit needs a non-negative integer, not 'many'")]
    [InlineData(new[] { "--out" }, "Required argument missing for option: '--out'")]
    [InlineData(new[] { "--frobnicate", "1" }, "Unrecognized command or argument '--frobnicate'")]
    public void Export_BadArguments_ExitWith2AndSayWhy(string[] args, string message)
    {
        var error = new StringWriter();

        Assert.Equal(2, Exporter.Run(args, TextWriter.Null, error));
        Assert.Contains(message, error.ToString());
    }

    [Fact]
    public void Export_MissingData_ExitsWith1AndSaysHowToInstall()
    {
        var error = new StringWriter();

        Assert.Equal(1, Exporter.Run(["--data", Path.Combine(_files.Root, "none"), "--out", Path.Combine(_files.Root, "o")], TextWriter.Null, error));
        Assert.Contains("dataset-fashion-mnist", error.ToString());
    }

    [Fact]
    public void ClassFolderNames_ReplaceSeparatorsAndRejectCollisions()
    {
        Assert.Equal(["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], LabelOrderFolders);
        Assert.Equal("a_b_c_d", ImageFolderWriter.SafeFolderName("a\\b:c*d"));
        Assert.Throws<ArgumentException>(() => ImageFolderWriter.ClassFolderNames(["a/b", "a:b"]));
        Assert.Throws<ArgumentException>(() => ImageFolderWriter.SafeFolderName(".."));
    }
}

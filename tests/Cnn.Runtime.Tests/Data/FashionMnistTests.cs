using Xunit;

namespace Cnn.Data.Tests;

public sealed class FashionMnistTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Load_FindsRawOrGzippedFilesAndNamesTheClasses(bool train, bool gzip)
    {
        string prefix = train ? "train" : "t10k";
        var (_, _, _, labels) = _files.WritePair(prefix, count: 6, height: 28, width: 28, classes: 10, seed: 31, gzip);

        ImageDataset dataset = FashionMnist.Load(_files.Directory, train);

        Assert.Equal(6, dataset.Count);
        Assert.Equal(new TensorShape(1, 28, 28), dataset.SampleShape);
        Assert.Equal("T-shirt/top", dataset.ClassNames[0]);
        Assert.Equal("Ankle boot", dataset.ClassNames[9]);
        Assert.Equal(labels.Select(b => (int)b).ToArray(), dataset.Labels.ToArray());
    }

    [Fact]
    public void Load_MissingFile_ListsNamesTriedAndHowToInstall()
    {
        _files.WritePair("train", count: 2, height: 28, width: 28, classes: 10, seed: 32);

        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(_files.Directory, train: false));

        Assert.Contains(_files.Directory, error.Message);
        Assert.Contains("t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz", error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains("--data DIR", error.Message);
    }

    [Fact]
    public void Load_MissingDirectory_SaysTheDirectoryDoesNotExist()
    {
        string directory = Path.Combine(_files.Directory, "nowhere");

        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(directory, train: true));

        Assert.Contains($"the directory '{directory}' does not exist", error.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
    }

    [Fact]
    public void ClassNames_AreTheTenFashionMnistClasses()
    {
        Assert.Equal(
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            FashionMnist.ClassNames);
    }

    /// <summary>The real data set, as installed by Debian's dataset-fashion-mnist package (CI installs it).</summary>
    [Fact]
    public void RealInstall_HasSixtyThousandBalancedTrainingAndTenThousandTestImages()
    {
        Assert.True(Directory.Exists(FashionMnist.DefaultDirectory),
            $"Fashion-MNIST is not installed at {FashionMnist.DefaultDirectory}; run `apt-get install dataset-fashion-mnist`.");

        ImageDataset train = FashionMnist.Load(FashionMnist.DefaultDirectory, train: true);
        ImageDataset test = FashionMnist.Load(FashionMnist.DefaultDirectory, train: false);

        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(new TensorShape(1, 28, 28), train.SampleShape);
        Assert.Equal(new TensorShape(1, 28, 28), test.SampleShape);
        Assert.All(train.CountPerClass(), count => Assert.Equal(6_000, count));
        Assert.All(test.CountPerClass(), count => Assert.Equal(1_000, count));

        // The published statistics that Normalization.FashionMnist carries.
        Normalization statistics = train.ComputeNormalization();
        Assert.Equal(0.2860f, statistics.Mean[0], 1e-4f);
        Assert.Equal(0.3530f, statistics.Std[0], 1e-4f);
    }
}

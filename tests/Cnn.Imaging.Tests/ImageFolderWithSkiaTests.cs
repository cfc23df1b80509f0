using Cnn.Data;
using Cnn.Data.Transforms;
using Xunit;

namespace Cnn.Imaging.Tests;

/// <summary>The image-folder pipeline end to end with real PNG, JPEG and BMP files.</summary>
public sealed class ImageFolderWithSkiaTests : IDisposable
{
    private readonly TestImages _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Three classes of <paramref name="perClass"/> random 6×5 images each, PNG, with a BMP in "b".</summary>
    private void WriteTree(int perClass)
    {
        ulong seed = 0;
        foreach (string name in new[] { "a", "b", "c" })
        {
            for (int i = 0; i < perClass; i++)
                PngWriter.Write(_files.PathOf($"{name}/{i}.png"), TestImages.RandomPixels(6, 5, 3, seed++), 6, 5, 3);
        }
        _files.WriteBytes("b/x.BMP", TestImages.Bmp(TestImages.RandomPixels(6, 5, 3, seed++), 6, 5));
    }

    [Fact]
    public void Dataset_LoadsEveryFormatAsRgbPlanes()
    {
        WriteTree(perClass: 2);

        var dataset = new ImageFolderDataset(_files.Root, SkiaImageDecoder.Shared);

        Assert.Equal(7, dataset.Count);
        Assert.Equal([2, 3, 2], dataset.CountPerClass());
        Assert.All(Enumerable.Range(0, dataset.Count), i => Assert.Equal(new TensorShape(3, 5, 6), dataset.Load(i)!.Shape));
    }

    [Fact]
    public void CorruptPng_FailPolicy_ThrowsNamingTheFile()
    {
        WriteTree(perClass: 2);
        string bad = _files.WriteBytes("b/corrupt.png", TestImages.RandomPixels(100, 1, 1, seed: 99));

        var error = Assert.Throws<ImageDecodeException>(() => new ImageFolderDataset(_files.Root, SkiaImageDecoder.Shared));

        Assert.Equal(bad, error.FilePath);
        Assert.Contains("corrupt.png", error.Message);
    }

    [Fact]
    public void CorruptPng_SkipPolicy_LeavesItOutAndReportsIt()
    {
        WriteTree(perClass: 2);
        string bad = _files.WriteBytes("b/corrupt.png", TestImages.RandomPixels(100, 1, 1, seed: 99));

        var dataset = new ImageFolderDataset(_files.Root, SkiaImageDecoder.Shared, new ImageFolderOptions { BadImages = BadImagePolicy.Skip });

        Assert.Equal(7, dataset.Count);
        SkippedImage skipped = Assert.Single(dataset.SkippedImages);
        Assert.Equal(bad, skipped.Path);
        Assert.False(string.IsNullOrWhiteSpace(skipped.Reason));
    }

    [Fact]
    public void TruncatedPng_SkipPolicy_IsDroppedFromItsBatchByTheLoader()
    {
        WriteTree(perClass: 2);
        PngWriter.Write(_files.PathOf("a/big.png"), TestImages.RandomPixels(64, 64, 3, seed: 7), 64, 64, 3);
        byte[] big = File.ReadAllBytes(Path.Combine(_files.Root, "a/big.png"));
        string cut = _files.WriteBytes("a/big.png", big[..(big.Length / 2)]);
        var dataset = new ImageFolderDataset(_files.Root, SkiaImageDecoder.Shared, new ImageFolderOptions { BadImages = BadImagePolicy.Skip });
        Assert.Equal(8, dataset.Count); // its header is intact

        using var loader = new PrefetchingLoader(dataset, batchSize: 8, new Resize(5, 6), workers: 2);
        var images = new float[loader.ImagesLength];
        var labels = new float[8];
        loader.StartEpoch(0);

        Assert.True(loader.TryNext(images, labels, out int count));
        Assert.Equal(7, count);
        Assert.Equal(cut, Assert.Single(dataset.SkippedImages).Path);
    }

    [Fact]
    public void Loader_OverJpegs_GivesTheSameBatchesForAnyWorkerCount()
    {
        for (int i = 0; i < 12; i++)
        {
            byte[] rgb = TestImages.RandomPixels(20, 16, 3, (ulong)i);
            var rgba = new byte[20 * 16 * 4];
            for (int p = 0; p < 20 * 16; p++)
                (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = (rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], 255);
            _files.WriteSkia($"{(i % 2 == 0 ? "even" : "odd")}/{i}.jpg", rgba, 20, 16, SkiaSharp.SKEncodedImageFormat.Jpeg, 90);
        }
        var (training, validation) = ImageFolderDataset.OpenSplit(_files.Root, SkiaImageDecoder.Shared, 0.25, seed: 42);
        Assert.Equal(8, training.Count);
        Assert.Equal(4, validation.Count);
        var augment = new Compose(new RandomResizedCrop(8, 8), new RandomHorizontalFlip(), new Normalize(new Normalization([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f])));

        float[]? expected = null;
        foreach (int workers in new[] { 1, 2, 4 })
        {
            using var loader = new PrefetchingLoader(training, batchSize: 3, augment, shuffle: true, seed: 7, workers: workers);
            var all = new List<float>();
            var images = new float[loader.ImagesLength];
            var labels = new float[3];
            for (int epoch = 0; epoch < 2; epoch++)
            {
                loader.StartEpoch(epoch);
                while (loader.TryNext(images, labels, out int count))
                {
                    all.AddRange(images[..(count * loader.SampleShape.Size)]);
                    all.AddRange(labels[..count]);
                }
            }
            expected ??= [.. all];
            Assert.Equal(expected, all);
        }
    }
}

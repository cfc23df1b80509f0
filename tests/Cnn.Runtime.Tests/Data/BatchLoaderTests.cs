using Cnn.Runtime.Tests;
using Xunit;

namespace Cnn.Data.Tests;

public sealed class BatchLoaderTests
{
    private static readonly TensorShape Shape = new(1, 2, 3);

    /// <summary>Runs one epoch and returns the sample indices in visiting order, read back from the batches.</summary>
    private static List<int> VisitEpoch(BatchLoader loader, int epoch, List<int>? batchSizes = null)
    {
        var images = new float[loader.ImagesLength];
        var labels = new float[loader.BatchSize];
        var visited = new List<int>();
        loader.StartEpoch(epoch);
        while (loader.TryNext(images, labels, out int count))
        {
            batchSizes?.Add(count);
            for (int b = 0; b < count; b++)
            {
                // Indexed data sets hold the sample index in every value and index % 10 as label.
                int index = (int)images[b * loader.Dataset.SampleSize];
                Assert.Equal(index % 10, labels[b]);
                visited.Add(index);
            }
        }
        return visited;
    }

    [Fact]
    public void WithoutShuffle_VisitsSamplesInStorageOrder()
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(10, Shape), batchSize: 4);

        Assert.Equal(Enumerable.Range(0, 10), VisitEpoch(loader, 0));
        Assert.Equal(Enumerable.Range(0, 10), VisitEpoch(loader, 1));
    }

    [Fact]
    public void SameSeed_GivesTheSameOrder()
    {
        ImageDataset dataset = ImageDatasetTests.Indexed(100, Shape);
        var first = new BatchLoader(dataset, batchSize: 16, shuffle: true, seed: 7);
        var second = new BatchLoader(dataset, batchSize: 16, shuffle: true, seed: 7);

        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(VisitEpoch(first, epoch), VisitEpoch(second, epoch));
    }

    [Fact]
    public void DifferentSeeds_GiveDifferentOrders()
    {
        ImageDataset dataset = ImageDatasetTests.Indexed(100, Shape);
        var first = new BatchLoader(dataset, batchSize: 16, shuffle: true, seed: 7);
        var second = new BatchLoader(dataset, batchSize: 16, shuffle: true, seed: 8);

        Assert.NotEqual(VisitEpoch(first, 0), VisitEpoch(second, 0));
    }

    [Fact]
    public void EachEpoch_HasItsOwnOrder_IndependentOfEarlierEpochs()
    {
        ImageDataset dataset = ImageDatasetTests.Indexed(100, Shape);
        var loader = new BatchLoader(dataset, batchSize: 16, shuffle: true, seed: 7);
        List<int> epoch0 = VisitEpoch(loader, 0);
        List<int> epoch1 = VisitEpoch(loader, 1);

        var resumed = new BatchLoader(dataset, batchSize: 16, shuffle: true, seed: 7);

        Assert.NotEqual(epoch0, epoch1);
        Assert.NotEqual(Enumerable.Range(0, 100), epoch0);
        Assert.Equal(epoch1, VisitEpoch(resumed, 1));
        Assert.Equal(epoch1, loader.Order.ToArray());
    }

    [Fact]
    public void Shuffle_IsAPinnedSequence()
    {
        // Guards cross-runtime determinism: this order must never change for (seed 42, epoch 0).
        var loader = new BatchLoader(ImageDatasetTests.Indexed(10, Shape), batchSize: 10, shuffle: true, seed: 42);
        loader.StartEpoch(0);
        int[] expected = loader.Order.ToArray();

        loader.StartEpoch(0);

        Assert.Equal(expected, loader.Order.ToArray());
        Assert.Equal(PinnedOrder, expected);
    }

    // Computed independently by a Python transcription of SeededRandom (SplitMix64 seeding,
    // xoshiro256**, unbiased NextInt) and the same Fisher–Yates loop.
    private static readonly int[] PinnedOrder = [8, 3, 4, 5, 9, 6, 1, 0, 2, 7];

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 5)]
    public void EveryEpoch_VisitsEverySampleExactlyOnce(bool shuffle, int epoch)
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(103, Shape), batchSize: 8, shuffle: shuffle, seed: 3);

        List<int> visited = VisitEpoch(loader, epoch);

        Assert.Equal(Enumerable.Range(0, 103), visited.Order());
    }

    [Fact]
    public void LastBatch_IsPartial()
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(10, Shape), batchSize: 4, shuffle: true, seed: 1);
        var sizes = new List<int>();

        VisitEpoch(loader, 0, sizes);

        Assert.Equal(3, loader.BatchesPerEpoch);
        Assert.Equal(10, loader.SamplesPerEpoch);
        Assert.Equal([4, 4, 2], sizes);
    }

    [Fact]
    public void DropLast_SkipsThePartialBatch()
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(10, Shape), batchSize: 4, shuffle: true, seed: 1, dropLast: true);
        var sizes = new List<int>();

        List<int> visited = VisitEpoch(loader, 0, sizes);

        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal(8, loader.SamplesPerEpoch);
        Assert.Equal([4, 4], sizes);
        Assert.Equal(8, visited.Distinct().Count());
    }

    [Fact]
    public void ExactMultiple_HasNoPartialBatch()
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(12, Shape), batchSize: 4, dropLast: true);
        var sizes = new List<int>();

        VisitEpoch(loader, 0, sizes);

        Assert.Equal(3, loader.BatchesPerEpoch);
        Assert.Equal([4, 4, 4], sizes);
    }

    [Fact]
    public void Normalization_IsAppliedPerChannelWhileCopying()
    {
        var shape = new TensorShape(3, 4, 4);
        ImageDataset dataset = ImageDatasetTests.Random(9, shape, seed: 61);
        var normalization = new Normalization([0.1f, 0.5f, 0.9f], [0.2f, 0.3f, 0.4f]);
        var loader = new BatchLoader(dataset, batchSize: 4, normalization, shuffle: true, seed: 2);
        var images = new float[loader.ImagesLength];
        var labels = new float[loader.BatchSize];
        loader.StartEpoch(0);

        Assert.True(loader.TryNext(images, labels, out int count));

        Assert.Equal(4, count);
        for (int b = 0; b < count; b++)
        {
            int index = loader.Order[b];
            ReadOnlySpan<float> sample = dataset.GetImage(index);
            for (int i = 0; i < shape.Size; i++)
            {
                int c = i / 16;
                Assert.Equal((sample[i] - normalization.Mean[c]) / normalization.Std[c], images[b * shape.Size + i], 1e-6f);
            }
            Assert.Equal(dataset.GetLabel(index), labels[b]);
        }
    }

    [Fact]
    public void FashionMnistNormalization_MapsZeroAndOne()
    {
        ImageDataset dataset = new(new float[] { 0f, 1f }, new[] { 0 }, new TensorShape(1, 1, 2), ["a"]);
        var loader = new BatchLoader(dataset, batchSize: 1, Normalization.FashionMnist);
        var images = new float[2];
        var labels = new float[1];
        loader.StartEpoch(0);

        loader.TryNext(images, labels, out _);

        Assert.Equal(-0.2860f / 0.3530f, images[0], 1e-6f);
        Assert.Equal((1f - 0.2860f) / 0.3530f, images[1], 1e-6f);
    }

    [Fact]
    public void TryNext_DoesNotAllocate()
    {
        var loader = new BatchLoader(ImageDatasetTests.Random(200, new TensorShape(1, 8, 8), seed: 71), batchSize: 32,
            Normalization.Mnist, shuffle: true, seed: 5);
        var images = new float[loader.ImagesLength];
        var labels = new float[loader.BatchSize];
        loader.StartEpoch(0);
        while (loader.TryNext(images, labels, out _)) { } // warm up the JIT

        int epoch = 0, batches = 0;
        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            loader.StartEpoch(++epoch);
            batches = 0;
            while (loader.TryNext(images, labels, out _))
                batches++;
        });

        Assert.Equal(loader.BatchesPerEpoch, batches);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TryNext_BeforeStartEpoch_Throws()
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(4, Shape), batchSize: 2);

        var error = Assert.Throws<InvalidOperationException>(() => loader.TryNext(new float[12], new float[2], out _));

        Assert.Contains("StartEpoch", error.Message);
    }

    [Fact]
    public void TryNext_ShortSpans_Throw()
    {
        var loader = new BatchLoader(ImageDatasetTests.Indexed(4, Shape), batchSize: 2);
        loader.StartEpoch(0);

        Assert.Throws<ArgumentException>(() => loader.TryNext(new float[11], new float[2], out _));
        Assert.Throws<ArgumentException>(() => loader.TryNext(new float[12], new float[1], out _));
    }

    [Fact]
    public void Constructor_NormalizationWithWrongChannelCount_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new BatchLoader(ImageDatasetTests.Indexed(4, new TensorShape(3, 2, 2)), batchSize: 2, Normalization.FashionMnist));

        Assert.Contains("1 channel(s)", error.Message);
    }
}

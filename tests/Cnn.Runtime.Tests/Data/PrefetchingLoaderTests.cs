using Cnn.Data.Transforms;
using Xunit;

namespace Cnn.Data.Tests;

public sealed class PrefetchingLoaderTests
{
    private static readonly TensorShape Shape = new(3, 8, 8);

    private static readonly IImageTransform Augment = new Compose(
        new RandomHorizontalFlip(),
        new RandomAffine { Degrees = 15, TranslateX = 0.1f, TranslateY = 0.1f, MinScale = 0.9f, MaxScale = 1.1f },
        new GaussianNoise(0.05f));

    /// <summary>Every batch of the given epochs, images and labels, as one list of arrays.</summary>
    private static List<float[]> Run(IBatchSource loader, params int[] epochs)
    {
        var images = new float[loader.ImagesLength];
        var labels = new float[loader.BatchSize];
        var batches = new List<float[]>();
        foreach (int epoch in epochs)
        {
            loader.StartEpoch(epoch);
            while (loader.TryNext(images, labels, out int count))
            {
                batches.Add(images[..(count * loader.SampleShape.Size)]);
                batches.Add(labels[..count]);
            }
        }
        return batches;
    }

    [Fact]
    public void SameSeed_GivesIdenticalBatchesFor1_2And4Workers()
    {
        var source = new ImageDatasetSource(ImageDatasetTests.Random(37, Shape, seed: 3));
        List<float[]>? expected = null;
        foreach (int workers in new[] { 1, 2, 4 })
        {
            using var loader = new PrefetchingLoader(source, batchSize: 5, Augment, shuffle: true, seed: 42, workers: workers, prefetchBatches: workers);
            List<float[]> batches = Run(loader, 0, 1);
            expected ??= batches;
            Assert.Equal(expected, batches);
        }
    }

    [Fact]
    public void WithoutTransforms_GivesTheSameBatchesAsBatchLoader()
    {
        ImageDataset dataset = ImageDatasetTests.Random(23, Shape, seed: 4);
        var batchLoader = new BatchLoader(dataset, batchSize: 4, shuffle: true, seed: 9);
        using var prefetching = new PrefetchingLoader(new ImageDatasetSource(dataset), batchSize: 4, shuffle: true, seed: 9, workers: 3);

        Assert.Equal(Run(batchLoader, 0, 1, 2), Run(prefetching, 0, 1, 2));
    }

    [Fact]
    public void Augmentation_DiffersBetweenEpochsAndSeeds_AndRepeatsForTheSameEpoch()
    {
        var source = new ImageDatasetSource(ImageDatasetTests.Random(8, Shape, seed: 5));
        using var loader = new PrefetchingLoader(source, batchSize: 8, Augment, seed: 1);
        using var otherSeed = new PrefetchingLoader(source, batchSize: 8, Augment, seed: 2);

        List<float[]> epoch0 = Run(loader, 0);

        Assert.NotEqual(epoch0, Run(loader, 1));
        Assert.Equal(epoch0, Run(loader, 0));
        Assert.NotEqual(epoch0, Run(otherSeed, 0));
    }

    [Fact]
    public void SampleAugmentation_DependsOnlyOnSeedEpochAndSampleIndex()
    {
        // With and without shuffling, sample 5 of epoch 2 gets the same augmentation.
        ImageDataset dataset = ImageDatasetTests.Random(12, Shape, seed: 6);
        var source = new ImageDatasetSource(dataset);
        using var ordered = new PrefetchingLoader(source, batchSize: 12, Augment, shuffle: false, seed: 3);
        using var shuffled = new PrefetchingLoader(source, batchSize: 12, Augment, shuffle: true, seed: 3);
        var a = new float[ordered.ImagesLength];
        var b = new float[shuffled.ImagesLength];
        var labels = new float[12];

        ordered.StartEpoch(2);
        shuffled.StartEpoch(2);
        ordered.TryNext(a, labels, out _);
        shuffled.TryNext(b, labels, out _);

        int size = Shape.Size;
        int position = shuffled.Order.IndexOf(5);
        Assert.Equal(a.AsSpan(5 * size, size).ToArray(), b.AsSpan(position * size, size).ToArray());
    }

    [Fact]
    public void LastBatch_IsSmallerUnlessDropLast()
    {
        var source = new ImageDatasetSource(ImageDatasetTests.Indexed(10, Shape));
        using var keep = new PrefetchingLoader(source, batchSize: 4);
        using var drop = new PrefetchingLoader(source, batchSize: 4, dropLast: true);

        Assert.Equal(3, keep.BatchesPerEpoch);
        Assert.Equal([4, 4, 2], Run(keep, 0).Where((_, i) => i % 2 == 1).Select(labels => labels.Length));
        Assert.Equal(2, drop.BatchesPerEpoch);
        Assert.Equal([4, 4], Run(drop, 0).Where((_, i) => i % 2 == 1).Select(labels => labels.Length));
    }

    [Fact]
    public void SampleShape_IsFoundFromTheTransformedFirstSample()
    {
        var source = new ImageDatasetSource(ImageDatasetTests.Indexed(3, new TensorShape(1, 10, 12)));
        using var loader = new PrefetchingLoader(source, batchSize: 2, new Compose(new GrayscaleToRgb(), new CenterCrop(4, 6)));

        Assert.Equal(new TensorShape(3, 4, 6), loader.SampleShape);
        Assert.Equal(2 * 3 * 4 * 6, loader.ImagesLength);
    }

    [Fact]
    public void SkippedSamples_AreLeftOutOfTheirBatch()
    {
        var source = new ScriptedSource(count: 6, skip: [1, 4]);
        using var loader = new PrefetchingLoader(source, batchSize: 3, workers: 2);

        List<float[]> batches = Run(loader, 0);

        Assert.Equal([0f, 2f], batches[1]); // labels = indices
        Assert.Equal([3f, 5f], batches[3]);
    }

    [Fact]
    public void WorkerException_IsRethrownAtItsBatch()
    {
        var source = new ScriptedSource(count: 9, fail: 7);
        using var loader = new PrefetchingLoader(source, batchSize: 3, workers: 2, sampleShape: ScriptedSource.Shape);
        var images = new float[loader.ImagesLength];
        var labels = new float[3];
        loader.StartEpoch(0);

        Assert.True(loader.TryNext(images, labels, out _));
        Assert.True(loader.TryNext(images, labels, out _));
        var error = Assert.Throws<ImageDecodeException>(() => loader.TryNext(images, labels, out _));
        Assert.Equal("sample-7.png", error.FilePath);
    }

    [Fact]
    public void WrongShapeAfterTransforms_NamesTheSample()
    {
        var source = new ScriptedSource(count: 4, oddShape: 2);
        using var loader = new PrefetchingLoader(source, batchSize: 4, workers: 1);
        var images = new float[loader.ImagesLength];
        var labels = new float[4];
        loader.StartEpoch(0);

        var error = Assert.Throws<InvalidDataException>(() => loader.TryNext(images, labels, out _));

        Assert.Contains("sample-2.png", error.Message);
        Assert.Contains("Resize", error.Message);
    }

    [Fact]
    public void Queue_IsBounded_WorkersStopAheadOfASlowConsumer()
    {
        var source = new ScriptedSource(count: 100);
        using var loader = new PrefetchingLoader(source, batchSize: 2, workers: 2, prefetchBatches: 3, sampleShape: ScriptedSource.Shape);

        loader.StartEpoch(0);
        Assert.True(SpinWait.SpinUntil(() => source.Loads >= 6, TimeSpan.FromSeconds(10)));
        Thread.Sleep(100);
        Assert.Equal(6, source.Loads); // 3 batches of 2, no more

        var images = new float[loader.ImagesLength];
        var labels = new float[2];
        loader.TryNext(images, labels, out _);
        Assert.True(SpinWait.SpinUntil(() => source.Loads >= 8, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Waited_CountsTheBatchesThatWereNotReady_AndTheTimeSpentOnThem()
    {
        var images = new float[8];
        var labels = new float[2];
        var slow = new ScriptedSource(count: 8, delayMs: 20);
        using (var loader = new PrefetchingLoader(slow, batchSize: 2, workers: 1, sampleShape: ScriptedSource.Shape))
        {
            // Each batch takes the worker 40 ms and the consumer none, so it waits for every batch.
            loader.StartEpoch(0);
            while (loader.TryNext(images, labels, out _)) { }
            Assert.Equal(4, loader.Waited.Batches);
            Assert.True(loader.Waited.Time >= TimeSpan.FromMilliseconds(100), $"waited only {loader.Waited.Time}");
        }

        var quick = new ScriptedSource(count: 8);
        using (var loader = new PrefetchingLoader(quick, batchSize: 2, workers: 2, prefetchBatches: 4, sampleShape: ScriptedSource.Shape))
        {
            // The whole epoch fits in the queue: once it is loaded, no batch is waited for.
            loader.StartEpoch(0);
            Assert.True(SpinWait.SpinUntil(() => quick.Loads == 8, TimeSpan.FromSeconds(10)));
            Thread.Sleep(100);
            while (loader.TryNext(images, labels, out _)) { }
            Assert.Equal((TimeSpan.Zero, 0), loader.Waited);
        }
    }

    [Fact]
    public void Dispose_StopsTheWorkers()
    {
        var source = new ScriptedSource(count: 1000, delayMs: 2);
        var loader = new PrefetchingLoader(source, batchSize: 4, workers: 3, prefetchBatches: 100, sampleShape: ScriptedSource.Shape);
        loader.StartEpoch(0);
        Assert.True(SpinWait.SpinUntil(() => source.Loads > 10, TimeSpan.FromSeconds(10)));
        Assert.Equal(3, loader.AliveWorkerCount);

        loader.Dispose();

        Assert.Equal(0, loader.AliveWorkerCount);
        int loads = source.Loads;
        Thread.Sleep(50);
        Assert.Equal(loads, source.Loads);
        Assert.True(loads < 1000);
        Assert.Throws<ObjectDisposedException>(() => loader.StartEpoch(1));
    }

    [Fact]
    public void StartEpoch_InTheMiddleOfAnEpoch_RestartsCleanly()
    {
        var source = new ImageDatasetSource(ImageDatasetTests.Random(20, Shape, seed: 7));
        using var loader = new PrefetchingLoader(source, batchSize: 3, Augment, shuffle: true, seed: 5, workers: 2);
        List<float[]> full = Run(loader, 1);

        var images = new float[loader.ImagesLength];
        var labels = new float[3];
        loader.StartEpoch(0);
        loader.TryNext(images, labels, out _);

        Assert.Equal(full, Run(loader, 1));
    }

    [Fact]
    public void TryNext_BeforeStartEpoch_Throws()
    {
        using var loader = new PrefetchingLoader(new ImageDatasetSource(ImageDatasetTests.Indexed(2, Shape)), batchSize: 2);

        Assert.Throws<InvalidOperationException>(() => loader.TryNext(new float[loader.ImagesLength], new float[2], out _));
    }

    /// <summary>A source of 1×2×2 images whose values and labels are the sample index, with scripted failures.</summary>
    private sealed class ScriptedSource(int count, int[]? skip = null, int fail = -1, int oddShape = -1, int delayMs = 0) : IImageSource
    {
        public static readonly TensorShape Shape = new(1, 2, 2);
        private int _loads;

        public int Loads => Volatile.Read(ref _loads);

        public int Count => count;

        public IReadOnlyList<string> ClassNames { get; } = ImageDataset.NumberedClassNames(1000);

        public int GetLabel(int index) => index;

        public ImageTensor? Load(int index)
        {
            Interlocked.Increment(ref _loads);
            if (delayMs > 0)
                Thread.Sleep(delayMs);
            if (index == fail)
                throw new ImageDecodeException(Describe(index), "scripted failure");
            if (skip?.Contains(index) == true)
                return null;
            var image = index == oddShape ? new ImageTensor(1, 3, 3) : new ImageTensor(1, 2, 2);
            image.Data.AsSpan().Fill(index);
            return image;
        }

        public string Describe(int index) => $"sample-{index}.png";
    }
}

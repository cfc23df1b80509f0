using Xunit;

namespace Cnn.Data.Tests;

public sealed class ImageDatasetTests
{
    /// <summary>A data set whose sample i has every value equal to i, with label i % classes.</summary>
    internal static ImageDataset Indexed(int count, TensorShape shape, int classes = 10)
    {
        var pixels = new float[count * shape.Size];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            pixels.AsSpan(i * shape.Size, shape.Size).Fill(i);
            labels[i] = i % classes;
        }
        return new ImageDataset(pixels, labels, shape, ImageDataset.NumberedClassNames(classes));
    }

    /// <summary>A data set of uniform random values from a fixed seed.</summary>
    internal static ImageDataset Random(int count, TensorShape shape, ulong seed, int classes = 10)
    {
        var random = new SeededRandom(seed);
        var pixels = new float[count * shape.Size];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = random.NextSingle();
        var labels = new int[count];
        for (int i = 0; i < count; i++)
            labels[i] = random.NextInt(classes);
        return new ImageDataset(pixels, labels, shape, ImageDataset.NumberedClassNames(classes));
    }

    [Fact]
    public void Constructor_LabelOutOfRange_NamesTheSample()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ImageDataset(new float[3], new[] { 0, 1, 5 }, new TensorShape(1, 1, 1), ["a", "b"]));

        Assert.Contains("sample 2 is 5", error.Message);
    }

    [Fact]
    public void Constructor_PixelCountMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
            new ImageDataset(new float[7], new[] { 0, 1 }, new TensorShape(1, 2, 2), ["a", "b"]));
    }

    [Fact]
    public void Slice_SharesStorageAndKeepsShapeAndClasses()
    {
        ImageDataset dataset = Indexed(10, new TensorShape(2, 3, 3));

        ImageDataset slice = dataset.Slice(3, 4);

        Assert.Equal(4, slice.Count);
        Assert.Equal(dataset.SampleShape, slice.SampleShape);
        Assert.Equal(dataset.ClassNames, slice.ClassNames);
        Assert.Equal(3f, slice.GetImage(0)[0]);
        Assert.Equal(6f, slice.GetImage(3)[17]);
        Assert.Equal(6, slice.GetLabel(3));
        Assert.True(slice.GetImage(0).Overlaps(dataset.GetImage(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Slice(8, 3));
    }

    [Fact]
    public void Split_ReturnsHeadAndTail()
    {
        ImageDataset dataset = Indexed(10, new TensorShape(1, 2, 2));

        var (train, validation) = dataset.Split(8);

        Assert.Equal(8, train.Count);
        Assert.Equal(2, validation.Count);
        Assert.Equal(8f, validation.GetImage(0)[0]);
        Assert.Equal(10, dataset.Take(100).Count);
        Assert.Equal(3, dataset.Take(3).Count);
    }

    [Fact]
    public void CountPerClass_IsTheLabelHistogram()
    {
        ImageDataset dataset = Indexed(25, new TensorShape(1, 1, 1), classes: 10);

        Assert.Equal([3, 3, 3, 3, 3, 2, 2, 2, 2, 2], dataset.CountPerClass());
    }

    [Fact]
    public void ComputeNormalization_MatchesPerChannelMeanAndPopulationStd()
    {
        var shape = new TensorShape(3, 4, 5);
        ImageDataset dataset = Random(50, shape, seed: 41);
        float[] pixels = dataset.Pixels.ToArray();

        Normalization normalization = dataset.ComputeNormalization();

        Assert.Equal(3, normalization.ChannelCount);
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, 50)
                .SelectMany(n => pixels.Skip((n * 3 + c) * 20).Take(20))
                .Select(v => (double)v)
                .ToArray();
            double mean = values.Average();
            double std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
            Assert.Equal(mean, normalization.Mean[c], 1e-6);
            Assert.Equal(std, normalization.Std[c], 1e-6);
        }
    }

    [Fact]
    public void ComputeNormalization_ConstantChannel_GetsUnitStd()
    {
        ImageDataset dataset = new(new float[] { 2, 2, 2, 2 }, new[] { 0, 0 }, new TensorShape(1, 1, 2), ["a"]);

        Normalization normalization = dataset.ComputeNormalization();

        Assert.Equal(2f, normalization.Mean[0]);
        Assert.Equal(1f, normalization.Std[0]);
    }
}

using Xunit;
using static Cnn.Data.Transforms.Tests.TransformTestImages;

namespace Cnn.Data.Transforms.Tests;

public sealed class RandomErasingTests
{
    [Fact]
    public void SampleRectangle_AlwaysLiesInsideAndWithinTheAreaAndRatioRanges()
    {
        var erasing = new RandomErasing { MinScale = 0.05f, MaxScale = 0.4f, MinRatio = 0.5f, MaxRatio = 2f };
        var random = new SeededRandom(123);
        int found = 0;
        for (int i = 0; i < 500; i++)
        {
            if (erasing.SampleRectangle(40, 60, ref random) is not { } rectangle)
                continue;
            found++;
            (int top, int left, int h, int w) = rectangle;

            Assert.True(h > 0 && h < 40 && w > 0 && w < 60);
            Assert.InRange(top, 0, 40 - h);
            Assert.InRange(left, 0, 60 - w);
            // Rounding each side moves the area by at most about a side length.
            Assert.InRange(h * w, 0.05 * 2400 - 2 * Math.Sqrt(0.4 * 2400 * 2) - 1, 0.4 * 2400 + 2 * Math.Sqrt(0.4 * 2400 * 2) + 1);
            Assert.InRange(h / (double)w, 0.5 * 0.7, 2 * 1.4);
        }
        Assert.True(found > 450, $"only {found} of 500 draws found a rectangle");
    }

    [Fact]
    public void Apply_SetsExactlyTheSampledRectangleInEveryChannelAndNothingElse()
    {
        var erasing = new RandomErasing(probability: 1) { Value = -7 };
        for (ulong seed = 0; seed < 50; seed++)
        {
            ImageTensor image = Random(3, 12, 9, seed);
            var random = new SeededRandom(seed);
            ImageTensor result = erasing.Apply(image.Clone(), ref random);

            // Replay the stream: the coin, then the rectangle.
            var replay = new SeededRandom(seed);
            replay.NextSingle();
            (int top, int left, int h, int w) = erasing.SampleRectangle(12, 9, ref replay)!.Value;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 12; y++)
                    for (int x = 0; x < 9; x++)
                    {
                        bool inside = y >= top && y < top + h && x >= left && x < left + w;
                        int i = (c * 12 + y) * 9 + x;
                        Assert.Equal(inside ? -7f : image.Data[i], result.Data[i]);
                    }
            Assert.Equal(replay.NextUInt64(), random.NextUInt64());
        }
    }

    [Fact]
    public void Apply_ErasesAboutTheGivenFractionOfImages()
    {
        var erasing = new RandomErasing(probability: 0.3f) { Value = float.NaN };
        var random = new SeededRandom(5);
        int erased = 0;
        for (int i = 0; i < 2000; i++)
        {
            if (erasing.Apply(Ramp(28, 28), ref random).Data.Any(float.IsNaN))
                erased++;
        }

        // Binomial(2000, 0.3): the standard deviation is about 20.
        Assert.InRange(erased, 600 - 80, 600 + 80);
    }

    [Fact]
    public void Apply_ProbabilityZero_LeavesTheImageAlone()
    {
        ImageTensor image = Random(1, 28, 28, seed: 3);
        var random = new SeededRandom(1);

        Assert.Equal(image.Data, new RandomErasing(0).Apply(image.Clone(), ref random).Data);
    }

    [Fact]
    public void Apply_NoRectangleFits_LeavesTheImageAlone()
    {
        // The whole area with a ratio in [0.3, 3.3] never fits strictly inside a square (h·w = H·W
        // needs h ≥ H or w ≥ W), so all ten draws fail, as in torchvision, and nothing is erased.
        var erasing = new RandomErasing(1) { MinScale = 1, MaxScale = 1 };
        ImageTensor image = Random(1, 10, 10, seed: 4);
        var random = new SeededRandom(2);

        Assert.Null(erasing.SampleRectangle(10, 10, ref random));
        Assert.Equal(image.Data, erasing.Apply(image.Clone(), ref random).Data);
    }

    [Theory]
    [InlineData(0f, 0.3f, 0.3f, 3.3f)]
    [InlineData(0.4f, 0.3f, 0.3f, 3.3f)]
    [InlineData(0.02f, 1.5f, 0.3f, 3.3f)]
    [InlineData(0.02f, 0.33f, 2f, 1f)]
    [InlineData(0.02f, 0.33f, 0f, 1f)]
    public void SampleRectangle_BadRange_Throws(float minScale, float maxScale, float minRatio, float maxRatio)
    {
        var erasing = new RandomErasing { MinScale = minScale, MaxScale = maxScale, MinRatio = minRatio, MaxRatio = maxRatio };
        var random = new SeededRandom(1);

        Assert.Throws<ArgumentException>(() => erasing.SampleRectangle(28, 28, ref random));
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.1f)]
    [InlineData(float.NaN)]
    public void Constructor_ProbabilityOutsideZeroToOne_Throws(float probability)
        => Assert.Throws<ArgumentOutOfRangeException>(() => new RandomErasing(probability));
}

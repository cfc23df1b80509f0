using Xunit;
using static Cnn.Data.Transforms.Tests.TransformTestImages;

namespace Cnn.Data.Transforms.Tests;

public sealed class PixelTransformTests
{
    [Fact]
    public void FromBytes_DeinterleavesToPlanesAndScalesByOneOver255()
    {
        // 1×2 RGB pixels (0, 51, 255), (102, 204, 1).
        byte[] pixels = [0, 51, 255, 102, 204, 1];

        ImageTensor image = ImageTensor.FromBytes(pixels, height: 1, width: 2, channels: 3);

        Assert.Equal(new TensorShape(3, 1, 2), image.Shape);
        Assert.Equal([0f, 0.4f, 0.2f, 0.8f, 1f, 1f / 255f], image.Data, new ToleranceComparer(1e-7f));
        Assert.Equal(51 * (1f / 255f), image[1, 0, 0]); // the exact expression MnistFormat uses
    }

    [Fact]
    public void Normalize_SubtractsTheMeanAndDividesByTheStdOfEachChannel()
    {
        var image = new ImageTensor([0.5f, 1f, 0.2f, 0.6f], 2, 1, 2);

        new Normalize(new Normalization([0.5f, 0.4f], [0.25f, 0.2f])).Apply(image);

        Assert.Equal([0f, 2f, -1f, 1f], image.Data, new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void Normalize_WrongChannelCount_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new Normalize(Normalization.Mnist).Apply(new ImageTensor(3, 2, 2)));

        Assert.Contains("1 channel(s)", error.Message);
    }

    [Fact]
    public void GrayscaleToRgb_RepeatsThePlaneThreeTimes()
    {
        ImageTensor rgb = new GrayscaleToRgb().Apply(new ImageTensor([0.1f, 0.2f], 1, 1, 2));

        Assert.Equal([0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 0.2f], rgb.Data);
    }

    [Fact]
    public void GrayscaleToRgb_LeavesRgbAlone()
    {
        ImageTensor image = Random(3, 2, 2, seed: 1);

        Assert.Same(image, new GrayscaleToRgb().Apply(image));
    }

    [Fact]
    public void HorizontalFlip_ReversesEveryRowOfEveryChannel()
    {
        var random = new SeededRandom(0);

        ImageTensor result = new RandomHorizontalFlip(1f).Apply(Ramp(2, 2, 3), ref random);

        Assert.Equal([2f, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9], result.Data);
    }

    [Fact]
    public void HorizontalFlip_FlipsWhenTheDrawIsBelowTheProbability()
    {
        var flip = new RandomHorizontalFlip(0.5f);
        for (ulong seed = 0; seed < 20; seed++)
        {
            var random = new SeededRandom(seed);
            var probe = new SeededRandom(seed);
            bool expected = probe.NextSingle() < 0.5f;

            ImageTensor result = flip.Apply(Ramp(1, 2), ref random);

            Assert.Equal(expected ? [1f, 0f] : [0f, 1f], result.Data);
            Assert.Equal(probe.NextUInt64(), random.NextUInt64()); // exactly one draw
        }
    }

    [Fact]
    public void HorizontalFlip_ProbabilityZero_NeverFlips()
    {
        var random = new SeededRandom(3);
        for (int i = 0; i < 50; i++)
            Assert.Equal([0f, 1f], new RandomHorizontalFlip(0f).Apply(Ramp(1, 2), ref random).Data);
    }

    [Fact]
    public void GaussianNoise_AddsStdTimesTheGeneratorsNormalDraws()
    {
        ImageTensor image = Random(2, 3, 4, seed: 8);
        float[] original = (float[])image.Data.Clone();
        var random = new SeededRandom(21);
        var probe = new SeededRandom(21);

        new GaussianNoise(std: 0.1f, mean: 0.05f).Apply(image, ref random);

        for (int i = 0; i < original.Length; i++)
            Assert.Equal(original[i] + 0.05f + (float)(0.1f * probe.NextGaussian()), image.Data[i]);
    }

    [Fact]
    public void GaussianNoise_HasTheRequestedSpread()
    {
        var image = new ImageTensor(1, 100, 100);
        var random = new SeededRandom(5);

        new GaussianNoise(std: 0.2f).Apply(image, ref random);

        double mean = image.Data.Average();
        double std = Math.Sqrt(image.Data.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(std, 0.19, 0.21);
    }

    [Fact]
    public void GaussianNoise_Clamped_StaysInTheUnitRange()
    {
        ImageTensor image = Random(1, 20, 20, seed: 2);
        var random = new SeededRandom(6);

        new GaussianNoise(std: 2f, clampToUnit: true).Apply(image, ref random);

        Assert.All(image.Data, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Compose_AppliesInOrderThreadingOneGenerator()
    {
        var pipeline = new Compose(new RandomHorizontalFlip(1f), new Normalize(new Normalization([1f], [2f])), new GaussianNoise(0.5f));
        var random = new SeededRandom(10);
        var probe = new SeededRandom(10);
        probe.NextSingle(); // the flip's draw

        ImageTensor result = pipeline.Apply(Ramp(1, 3), ref random);

        // Flip: [2, 1, 0]; normalise: [0.5, 0, −0.5]; then noise from the draws after the flip's.
        float[] expected = [0.5f, 0f, -0.5f];
        for (int i = 0; i < 3; i++)
            Assert.Equal(expected[i] + (float)(0.5f * probe.NextGaussian()), result.Data[i]);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}

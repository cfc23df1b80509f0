using Xunit;
using static Cnn.Data.Transforms.Tests.TransformTestImages;

namespace Cnn.Data.Transforms.Tests;

public sealed class CropTests
{
    [Fact]
    public void CenterCrop_OddMargin_RoundsHalfToEvenAsTorchvision()
    {
        // A 5×7 ramp cropped to 2×2: top = round(1.5) = 2, left = round(2.5) = 2 (halves to even);
        // torchvision gives [[16, 17], [23, 24]].
        ImageTensor result = new CenterCrop(2).Apply(Ramp(5, 7));

        Assert.Equal([16f, 17f, 23f, 24f], result.Data);
    }

    [Fact]
    public void CenterCrop_LargerThanTheImage_PadsWithZerosAroundIt()
    {
        // torchvision: center_crop(arange(6).reshape(1,2,3), [4,5]) puts the image at row 1, column 1.
        ImageTensor result = new CenterCrop(4, 5).Apply(Ramp(2, 3));

        Assert.Equal(
            [0, 0, 0, 0, 0,
             0, 0, 1, 2, 0,
             0, 3, 4, 5, 0,
             0, 0, 0, 0, 0], result.Data);
    }

    [Fact]
    public void CenterCrop_CropsEveryChannel()
    {
        ImageTensor result = new CenterCrop(1, 1).Apply(Ramp(2, 3, 3));

        Assert.Equal([4f, 13f], result.Data);
    }

    [Fact]
    public void RandomResizedCrop_WindowAlwaysLiesInsideAndWithinTheAreaRange()
    {
        var crop = new RandomResizedCrop(8, 8) { MinScale = 0.2f, MaxScale = 0.9f };
        var random = new SeededRandom(123);
        for (int i = 0; i < 500; i++)
        {
            (int top, int left, int h, int w) = crop.SampleWindow(40, 60, ref random);

            Assert.InRange(top, 0, 40 - h);
            Assert.InRange(left, 0, 60 - w);
            Assert.True(h > 0 && w > 0);
            // Rounding each side moves the area by at most about a side length.
            Assert.InRange(h * w, 0.2 * 2400 - 2 * Math.Sqrt(2400) - 1, 0.9 * 2400 + 2 * Math.Sqrt(2400) + 1);
            Assert.InRange(w / (double)h, 3.0 / 4 * 0.8, 4.0 / 3 * 1.25);
        }
    }

    [Fact]
    public void RandomResizedCrop_FullScaleSquareRatio_IsAPlainResizeOfTheWholeImage()
    {
        var crop = new RandomResizedCrop(4, 4) { MinScale = 1, MaxScale = 1, MinRatio = 1, MaxRatio = 1 };
        ImageTensor image = Random(3, 10, 10, seed: 9);
        var random = new SeededRandom(4);

        ImageTensor result = crop.Apply(image.Clone(), ref random);

        Assert.Equal(new Resize(4, 4).Apply(image).Data, result.Data);
    }

    [Fact]
    public void RandomResizedCrop_NoWindowFits_FallsBackToTheCentredWindowOfTheClosestRatio()
    {
        // A 2×20 strip (ratio 10) can never fit a window of ratio at most 4/3 and area ≥ 90%:
        // torchvision's fallback takes h = 2, w = round(2 · 4/3) = 3, centred: left = (20 − 3) / 2 = 8.
        var crop = new RandomResizedCrop(2, 3) { MinScale = 0.9f };
        var random = new SeededRandom(2);

        Assert.Equal((0, 8, 2, 3), crop.SampleWindow(2, 20, ref random));
    }

    [Fact]
    public void RandomResizedCrop_SameSeed_SameOutput_DifferentSeed_DifferentOutput()
    {
        var crop = new RandomResizedCrop(8, 8);
        ImageTensor image = Random(3, 32, 32, seed: 3);
        var a = new SeededRandom(77);
        var b = new SeededRandom(77);
        var c = new SeededRandom(78);

        float[] first = crop.Apply(image.Clone(), ref a).Data;

        Assert.Equal(first, crop.Apply(image.Clone(), ref b).Data);
        Assert.NotEqual(first, crop.Apply(image.Clone(), ref c).Data);
    }
}

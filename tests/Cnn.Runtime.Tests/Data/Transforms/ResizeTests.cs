using Xunit;
using static Cnn.Data.Transforms.Tests.TransformTestImages;

namespace Cnn.Data.Transforms.Tests;

public sealed class ResizeTests
{
    [Fact]
    public void Shrink4To2_Antialiased_WeighsThreeInputsPerOutputAsPil()
    {
        // Output 0 is centred at input 1.0 with support 2: inputs 0, 1, 2 get triangle weights
        // 0.75, 0.75, 0.25, normalised to 3/7, 3/7, 1/7 (torchvision gives 0.7143, 2.2857).
        ImageTensor result = new Resize(1, 2).Apply(Ramp(1, 4));

        Assert.Equal(new TensorShape(1, 1, 2), result.Shape);
        Assert.Equal(5f / 7f, result.Data[0], 6);
        Assert.Equal(16f / 7f, result.Data[1], 6);
    }

    [Fact]
    public void Shrink4To2_WithoutAntialias_AveragesTheTwoNearestInputs()
    {
        ImageTensor result = new Resize(1, 2, antialias: false).Apply(Ramp(1, 4));

        Assert.Equal([0.5f, 2.5f], result.Data);
    }

    [Fact]
    public void Shrink5x5To2x3_MatchesTorchvisionAntialias()
    {
        // torchvision 0.14: F.resize(torch.arange(25.).reshape(1,5,5)/24, [2,3], antialias=True)
        float[] expected = [0.2261904776f, 0.2916666865f, 0.3571428656f, 0.6428571343f, 0.7083333134f, 0.7738094329f];

        ImageTensor result = new Resize(2, 3).Apply(Ramp(5, 5, 1f / 24));

        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], result.Data[i], 2e-6f);
    }

    [Fact]
    public void Shrink5x5To2x3_WithoutAntialias_MatchesTorchvisionBilinear()
    {
        // torchvision 0.14: F.resize(torch.arange(25.).reshape(1,5,5)/24, [2,3], antialias=False)
        float[] expected = [0.1701388806f, 0.2395833134f, 0.3090277910f, 0.6909722089f, 0.7604166269f, 0.8298611044f];

        ImageTensor result = new Resize(2, 3, antialias: false).Apply(Ramp(5, 5, 1f / 24));

        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], result.Data[i], 2e-6f);
    }

    [Fact]
    public void Enlarge5x5To7x8_MatchesTorchvisionBilinearWithEdgeClamping()
    {
        // torchvision 0.14: F.resize(torch.arange(25.).reshape(1,5,5)/24, [7,8], antialias=True), rows 0, 1 and 6.
        float[] row0 = [0.0f, 0.0182291679f, 0.0442708320f, 0.0703125f, 0.0963541716f, 0.1223958358f, 0.1484375f, 0.1666666716f];
        float[] row1 = [0.1190476119f, 0.1372767835f, 0.1633184403f, 0.1893600970f, 0.2154017835f, 0.2414434552f, 0.2674851119f, 0.2857142686f];
        float[] row6 = [0.8333333134f, 0.8515625f, 0.8776041865f, 0.9036458730f, 0.9296875596f, 0.9557291269f, 0.9817708134f, 1.0f];

        ImageTensor result = new Resize(7, 8).Apply(Ramp(5, 5, 1f / 24));

        for (int x = 0; x < 8; x++)
        {
            Assert.Equal(row0[x], result[0, 0, x], 2e-6f);
            Assert.Equal(row1[x], result[0, 1, x], 2e-6f);
            Assert.Equal(row6[x], result[0, 6, x], 2e-6f);
        }
    }

    [Fact]
    public void Resize_ConstantImage_StaysConstantAtEverySize()
    {
        var image = new ImageTensor(3, 17, 23);
        image.Data.AsSpan().Fill(0.375f);

        foreach ((int h, int w) in new[] { (5, 7), (17, 40), (1, 1), (64, 3) })
        {
            ImageTensor result = new Resize(h, w).Apply(image.Clone());
            Assert.All(result.Data, v => Assert.Equal(0.375f, v, 6));
        }
    }

    [Fact]
    public void Resize_ChannelsAreResizedIndependently()
    {
        ImageTensor image = Random(3, 9, 11, seed: 5);
        ImageTensor whole = new Resize(4, 6).Apply(image.Clone());

        for (int c = 0; c < 3; c++)
        {
            var single = new ImageTensor(image.Plane(c).ToArray(), 1, 9, 11);
            Assert.Equal(new Resize(4, 6).Apply(single).Data, whole.Plane(c).ToArray());
        }
    }

    [Fact]
    public void ToShorterSide_KeepsAspectRatioWithTheLongSideTruncated()
    {
        Resize resize = Resize.ToShorterSide(256);

        Assert.Equal((256, 341), resize.OutputSize(375, 500)); // ⌊256 · 500 / 375⌋ = 341
        Assert.Equal((384, 256), resize.OutputSize(300, 200));
        Assert.Equal(new TensorShape(1, 4, 6), Resize.ToShorterSide(4).Apply(Ramp(6, 9)).Shape);
    }

    [Fact]
    public void Resize_ToTheSameSize_ReturnsTheImageUnchanged()
    {
        ImageTensor image = Random(1, 5, 5, seed: 1);

        Assert.Same(image, new Resize(5, 5).Apply(image));
    }
}

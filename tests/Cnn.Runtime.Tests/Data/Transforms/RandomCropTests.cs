using Xunit;
using static Cnn.Data.Transforms.Tests.TransformTestImages;

namespace Cnn.Data.Transforms.Tests;

public sealed class RandomCropTests
{
    [Fact]
    public void Crop_ConstantPadding_FillsOutsideTheImage()
    {
        // torchvision: crop(pad(arange(9).reshape(1,3,3), 1, fill=7), 0, 0, 3, 3).
        ImageTensor result = new RandomCrop(3) { Padding = 1, Fill = 7 }.Crop(Ramp(3, 3), -1, -1);

        Assert.Equal([7f, 7, 7, 7, 0, 1, 7, 3, 4], result.Data);
    }

    [Theory]
    // torchvision's padding_mode docs, for [1, 2, 3, 4] padded by 2 (here the ramp 0, 1, 2, 3).
    [InlineData(PadMode.Edge, new float[] { 0, 0, 0, 1, 2, 3, 3, 3 })]
    [InlineData(PadMode.Reflect, new float[] { 2, 1, 0, 1, 2, 3, 2, 1 })]
    [InlineData(PadMode.Symmetric, new float[] { 1, 0, 0, 1, 2, 3, 3, 2 })]
    [InlineData(PadMode.Constant, new float[] { 0, 0, 0, 1, 2, 3, 0, 0 })]
    public void Crop_PaddingModes_MatchTorchvision(PadMode mode, float[] expected)
    {
        ImageTensor result = new RandomCrop(1, 8) { Padding = 2, PaddingMode = mode }.Crop(Ramp(1, 4), 0, -2);

        Assert.Equal(expected, result.Data);
    }

    [Fact]
    public void Crop_ReflectPadding_MirrorsRowsAndColumnsInEveryChannel()
    {
        ImageTensor result = new RandomCrop(3) { Padding = 1, PaddingMode = PadMode.Reflect }.Crop(Ramp(2, 3, 3), -1, -1);

        Assert.Equal([4f, 3, 4, 1, 0, 1, 4, 3, 4, 13, 12, 13, 10, 9, 10, 13, 12, 13], result.Data);
    }

    [Fact]
    public void Apply_DrawsTopThenLeftUniformlyOverThePaddedImage()
    {
        var crop = new RandomCrop(28) { Padding = 2 };
        ImageTensor image = Random(1, 28, 28, seed: 5);
        var random = new SeededRandom(11);
        var seen = new HashSet<(int, int)>();
        for (int n = 0; n < 400; n++)
        {
            SeededRandom copy = random;
            int top = copy.NextInt(5) - 2, left = copy.NextInt(5) - 2;
            seen.Add((top, left));

            ImageTensor result = crop.Apply(image.Clone(), ref random);

            Assert.Equal(crop.Crop(image, top, left).Data, result.Data);
            Assert.Equal(copy.NextUInt64(), random.NextUInt64());
            // The pixel at (10, 10) moves to (10 − top, 10 − left).
            Assert.Equal(image[0, 10, 10], result[0, 10 - top, 10 - left]);
        }
        Assert.Equal(25, seen.Count);
    }

    [Fact]
    public void Apply_ReflectPaddingNotSmallerThanTheImage_ThrowsForEverySeed()
    {
        // torchvision's reflect pad rejects padding >= the dimension regardless of the crop position;
        // a 3-pixel-high image padded by 3 (and, separately, a 5×2 image padded by 2) must fail every time.
        var tall = new RandomCrop(3) { Padding = 3, PaddingMode = PadMode.Reflect };
        var narrow = new RandomCrop(5, 2) { Padding = 2, PaddingMode = PadMode.Reflect };
        for (ulong seed = 0; seed < 50; seed++)
        {
            var random = new SeededRandom(seed);
            ArgumentException error = Assert.Throws<ArgumentException>(() => tall.Apply(Ramp(3, 3), ref random));
            Assert.Equal("image", error.ParamName);
            Assert.Contains("(3)", error.Message);
            Assert.Contains("3×3", error.Message);
            Assert.Equal("image", Assert.Throws<ArgumentException>(() => narrow.Apply(Ramp(5, 2), ref random)).ParamName);
        }
    }

    [Fact]
    public void Apply_ReflectPaddingSmallerThanTheImage_Works()
    {
        var random = new SeededRandom(3);

        Assert.Equal(9, new RandomCrop(3) { Padding = 2, PaddingMode = PadMode.Reflect }.Apply(Ramp(3, 3), ref random).Data.Length);
    }

    [Fact]
    public void Crop_SymmetricPaddingWiderThanTheImage_RepeatsTheMirroredImage()
    {
        // torchvision 0.14's PIL path (numpy.pad mode 'symmetric'): pad([10, 20, 30], [5, 0, 5, 0], padding_mode='symmetric')
        // gives [20, 30, 30, 20, 10 | 10, 20, 30 | 30, 20, 10, 10, 20]; here for the ramp 0, 1, 2.
        ImageTensor result = new RandomCrop(1, 13) { Padding = 5, PaddingMode = PadMode.Symmetric }.Crop(Ramp(1, 3), 0, -5);

        Assert.Equal([1f, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1], result.Data);
    }

    [Fact]
    public void Apply_NoPaddingFullSize_KeepsTheImage()
    {
        ImageTensor image = Random(3, 5, 6, seed: 2);
        var random = new SeededRandom(1);

        Assert.Equal(image.Data, new RandomCrop(5, 6).Apply(image.Clone(), ref random).Data);
    }

    [Fact]
    public void BadArguments_AreRejectedWithTheirName()
    {
        Assert.Equal("Padding", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(28) { Padding = -1 }).ParamName);
        Assert.Equal("height", Assert.Throws<ArgumentOutOfRangeException>(() => new RandomCrop(0, 4)).ParamName);
        var random = new SeededRandom(1);
        Assert.Equal("image", Assert.Throws<ArgumentException>(() => new RandomCrop(30).Apply(Ramp(28, 28), ref random)).ParamName);
        Assert.Equal("image", Assert.Throws<ArgumentException>(
            () => new RandomCrop(3) { Padding = 3, PaddingMode = PadMode.Reflect }.Crop(Ramp(3, 3), -3, -3)).ParamName);
    }
}

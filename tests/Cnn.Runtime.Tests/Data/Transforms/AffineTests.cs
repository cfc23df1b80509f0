using Xunit;
using static Cnn.Data.Transforms.Tests.TransformTestImages;

namespace Cnn.Data.Transforms.Tests;

public sealed class AffineTests
{
    [Fact]
    public void Rotate90_TurnsCounterClockwiseAsTorchvisionRotate()
    {
        // torchvision 0.14: F.rotate(torch.arange(16.).reshape(1,4,4), 90).
        ImageTensor result = new AffineTransform(Angle: 90).Apply(Ramp(4, 4));

        Assert.Equal(
            [3, 7, 11, 15,
             2, 6, 10, 14,
             1, 5, 9, 13,
             0, 4, 8, 12], result.Data);
    }

    [Fact]
    public void Rotate30_MatchesTorchvisionNearestWithZeroFill()
    {
        // torchvision 0.14: F.rotate(torch.arange(20.).reshape(1,4,5), 30) (nearest, fill 0).
        ImageTensor result = new AffineTransform(Angle: 30).Apply(Ramp(4, 5), FillMode.Constant);

        Assert.Equal(
            [0, 2, 3, 9, 9,
             1, 6, 7, 13, 14,
             5, 6, 12, 13, 18,
             10, 10, 16, 17, 0], result.Data);
    }

    [Fact]
    public void RotateMinus45_MatchesTorchvisionNearestWithZeroFill()
    {
        // torchvision 0.14: F.rotate(torch.arange(20.).reshape(1,4,5), -45).
        ImageTensor result = new AffineTransform(Angle: -45).Apply(Ramp(4, 5), FillMode.Constant);

        Assert.Equal(
            [10, 5, 1, 2, 0,
             15, 11, 7, 2, 3,
             16, 17, 12, 8, 4,
             0, 17, 18, 14, 9], result.Data);
    }

    [Fact]
    public void Shift_MovesContentByWholePixelsAndFillsTheGap()
    {
        // Right 1, up 1, as torchvision's affine(translate=[1, -1]).
        var shift = new AffineTransform(TranslateX: 1, TranslateY: -1);

        Assert.Equal(
            [0, 4, 5, 6,
             0, 8, 9, 10,
             0, 12, 13, 14,
             0, 0, 0, 0], shift.Apply(Ramp(4, 4), FillMode.Constant).Data);
        Assert.Equal(
            [4, 4, 5, 6,
             8, 8, 9, 10,
             12, 12, 13, 14,
             12, 12, 13, 14], shift.Apply(Ramp(4, 4), FillMode.Nearest).Data);
    }

    [Fact]
    public void Shift_ReflectMirrorsIncludingTheEdgePixel()
    {
        // Shifting the row 0 1 2 3 right by 2 reads sources −2, −1, 0, 1; reflected −2 → 1, −1 → 0.
        ImageTensor result = new AffineTransform(TranslateX: 2).Apply(Ramp(1, 4), FillMode.Reflect);

        Assert.Equal([1f, 0, 0, 1], result.Data);
    }

    [Fact]
    public void Zoom2_EnlargesAboutTheCentreAsTorchvisionScale()
    {
        // torchvision 0.14: F.affine(torch.arange(16.).reshape(1,4,4), angle=0, translate=[0,0], scale=2, shear=[0]).
        ImageTensor result = new AffineTransform(Scale: 2).Apply(Ramp(4, 4));

        Assert.Equal(
            [5, 5, 6, 6,
             5, 5, 6, 6,
             9, 9, 10, 10,
             9, 9, 10, 10], result.Data);
    }

    [Fact]
    public void Shear45_MovesEachRowRightByItsDistanceBelowTheCentre()
    {
        // tan 45° = 1: row y moves right by y − 1 (centre row 1 of 3 stays); Nearest fills the edge.
        ImageTensor result = new AffineTransform(Shear: 45).Apply(Ramp(3, 3), FillMode.Nearest);

        Assert.Equal(
            [1, 2, 2,
             3, 4, 5,
             6, 6, 7], result.Data);
    }

    [Fact]
    public void Identity_CopiesEveryChannel()
    {
        ImageTensor image = Random(3, 5, 6, seed: 4);

        Assert.Equal(image.Data, new AffineTransform().Apply(image).Data);
    }

    [Fact]
    public void RandomRotation_DrawsOneUniformAngle()
    {
        var rotation = new RandomRotation(30, FillMode.Constant);
        ImageTensor image = Random(1, 6, 6, seed: 5);
        var random = new SeededRandom(12);
        var probe = new SeededRandom(12);
        double angle = -30 + 60 * probe.NextDouble();

        ImageTensor result = rotation.Apply(image.Clone(), ref random);

        Assert.Equal(new AffineTransform(Angle: angle).Apply(image, FillMode.Constant).Data, result.Data);
        Assert.Equal(probe.NextUInt64(), random.NextUInt64());
    }

    [Fact]
    public void RandomAffine_DrawsAngleShiftsScaleAndShearInOrder()
    {
        var augment = new RandomAffine { Degrees = 10, TranslateX = 0.25f, TranslateY = 0.5f, MinScale = 0.8f, MaxScale = 1.2f, ShearDegrees = 5 };
        var random = new SeededRandom(99);
        var probe = new SeededRandom(99);

        AffineTransform drawn = augment.Sample(height: 8, width: 12, ref random);

        Assert.Equal(-10 + 20 * probe.NextDouble(), drawn.Angle, 12);
        Assert.Equal(Math.Round(-3 + 6 * probe.NextDouble(), MidpointRounding.ToEven), drawn.TranslateX);
        Assert.Equal(Math.Round(-4 + 8 * probe.NextDouble(), MidpointRounding.ToEven), drawn.TranslateY);
        Assert.Equal(0.8f + (1.2f - 0.8f) * probe.NextDouble(), drawn.Scale, 6);
        Assert.Equal(-5 + 10 * probe.NextDouble(), drawn.Shear, 12);
    }

    [Fact]
    public void RandomAffine_SameSeedSameImage_DifferentSeedDifferentImage()
    {
        var augment = new RandomAffine { Degrees = 20, TranslateX = 0.1f, TranslateY = 0.1f, MinScale = 0.9f, MaxScale = 1.1f, ShearDegrees = 10 };
        ImageTensor image = Random(3, 16, 16, seed: 6);
        var a = new SeededRandom(1);
        var b = new SeededRandom(1);
        var c = new SeededRandom(2);

        float[] first = augment.Apply(image.Clone(), ref a).Data;

        Assert.Equal(first, augment.Apply(image.Clone(), ref b).Data);
        Assert.NotEqual(first, augment.Apply(image.Clone(), ref c).Data);
    }
}

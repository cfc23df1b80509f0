using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferencePool2dTests
{
    public static TheoryData<PoolKind, string> Cases => new()
    {
        { PoolKind.Max, "k2s2" }, { PoolKind.Max, "k3s2p1" }, { PoolKind.Max, "k3s1p1" }, { PoolKind.Max, "k3s2-ceil" },
        { PoolKind.Average, "k2s2" }, { PoolKind.Average, "k3s2p1" }, { PoolKind.Average, "k3s1p1" }, { PoolKind.Average, "k3s2-ceil" },
        { PoolKind.Sum, "k2s2" }, { PoolKind.Sum, "k3s2p1" }, { PoolKind.Sum, "k3s2-ceil" },
        { PoolKind.Max, "k3x2s2x1p1x0" }, { PoolKind.Average, "k3x2s2x1p1x0" }, { PoolKind.Sum, "k1x3s1x2p0x1-ceil" },
        { PoolKind.Average, "k3s2p1-ceil-exclude" }, { PoolKind.Average, "k2x3s2x2p1x1-ceil-exclude" },
        { PoolKind.AdaptiveAverage, "adaptive-6x7-to-4x3" }, { PoolKind.AdaptiveAverage, "adaptive-5x5-to-1x1" },
    };

    private static Pool2dGeometry Case(PoolKind kind, string name) => name switch
    {
        "k2s2" => Geometries.Pool(kind, 2, 3, 6, 7, 2, 2),
        "k3s2p1" => Geometries.Pool(kind, 2, 2, 7, 6, 3, 2, padding: 1),
        "k3s1p1" => Geometries.Pool(kind, 1, 2, 5, 5, 3, 1, padding: 1),
        "k3s2-ceil" => Geometries.Pool(kind, 1, 2, 6, 6, 3, 2, ceil: true),
        "k3x2s2x1p1x0" => Geometries.Pool(kind, 2, 2, 7, 6, (3, 2), (2, 1), (1, 0)),
        "k1x3s1x2p0x1-ceil" => Geometries.Pool(kind, 2, 2, 5, 8, (1, 3), (1, 2), (0, 1), ceil: true),
        "k3s2p1-ceil-exclude" => Geometries.Pool(kind, 2, 2, 6, 6, 3, 2, padding: 1, ceil: true, countIncludePad: false),
        "k2x3s2x2p1x1-ceil-exclude" => Geometries.Pool(kind, 2, 2, 6, 7, (2, 3), (2, 2), (1, 1), ceil: true, countIncludePad: false),
        "adaptive-6x7-to-4x3" => new Pool2dGeometry(kind, 2, 2, 6, 7, 4, 3, 0, 0, 0, 0, 0, 0),
        "adaptive-5x5-to-1x1" => new Pool2dGeometry(kind, 2, 3, 5, 5, 1, 1, 0, 0, 0, 0, 0, 0),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pool2dBackward_MatchesFiniteDifferences(PoolKind kind, string name)
    {
        Pool2dGeometry g = Case(kind, name);
        int batch = g.MaxBatch;
        double[] x = TestArrays.Uniform(11, batch * g.InputSize), r = TestArrays.Uniform(12, batch * g.OutputSize);
        var output = new double[r.Length];
        double Loss()
        {
            Pool2dReference.Forward<double>(g, batch, x, output);
            return GradientCheck.Dot(output, r);
        }

        double[] dx = Enumerable.Repeat(9.0, x.Length).ToArray();
        Pool2dReference.Backward<double>(g, batch, x, r, dx);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, x), dx, 1e-7, "inputGradient");
    }

    [Fact]
    public void AvgPool2dForward_CountsPaddedZerosInTheDivisor()
    {
        // 2x2 input of ones, kernel 3, padding 1, stride 1: every window covers 4 ones out of 9 cells.
        Pool2dGeometry g = Geometries.Pool(PoolKind.Average, 1, 1, 2, 2, 3, 1, padding: 1);
        var output = new double[4];
        Pool2dReference.Forward<double>(g, 1, [1, 1, 1, 1], output);
        Assert.All(output, v => Assert.Equal(4.0 / 9.0, v, 15));
    }

    [Fact]
    public void AvgPool2dForward_InCeilMode_DividesByTheWindowClippedToThePaddedInput()
    {
        // PyTorch: AvgPool2d(2, 2, ceil_mode=True) on 3x3 gives a last window of one column, divided by 2, not 4.
        Pool2dGeometry g = Geometries.Pool(PoolKind.Average, 1, 1, 3, 3, 2, 2, ceil: true);
        var output = new double[4];
        Pool2dReference.Forward<double>(g, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9], output);
        Assert.Equal([(1 + 2 + 4 + 5) / 4.0, (3 + 6) / 2.0, (7 + 8) / 2.0, 9.0], output);
    }

    [Fact]
    public void AvgPool2dForward_WithoutCountIncludePad_DividesByTheInputElementsOfTheWindow()
    {
        // 2x2 input of ones, kernel 3, padding 1, stride 1, count_include_pad=False: every average is 1.
        Pool2dGeometry g = Geometries.Pool(PoolKind.Average, 1, 1, 2, 2, 3, 1, padding: 1, countIncludePad: false);
        var output = new double[4];
        Pool2dReference.Forward<double>(g, 1, [1, 1, 1, 1], output);
        Assert.All(output, v => Assert.Equal(1.0, v, 15));
    }

    [Theory]
    [InlineData(true, new[] { 1.5555555555555556, 3.3333333333333335, 2.0, 6.333333333333333, 11.0, 6.0, 4.5, 7.5, 4.0 })]
    [InlineData(false, new[] { 3.5, 5.0, 6.0, 9.5, 11.0, 12.0, 13.5, 15.0, 16.0 })]
    public void AvgPool2dForward_InCeilModeWithPadding_MatchesPyTorch(bool countIncludePad, double[] expected)
    {
        // torch.nn.functional.avg_pool2d(torch.arange(1., 17.).view(1, 1, 4, 4), 3, 2, 1, ceil_mode=True,
        // count_include_pad=...) in PyTorch 1.13: the last row and column of windows start at 3 and overhang the
        // right padding by one; counting padding, PyTorch divides the corner (16 alone) by 2×2, the window clipped to the padded input.
        Pool2dGeometry g = Geometries.Pool(PoolKind.Average, 1, 1, 4, 4, 3, 2, padding: 1, ceil: true, countIncludePad: countIncludePad);
        var output = new double[g.OutputSize];
        Pool2dReference.Forward<double>(g, 1, Enumerable.Range(1, 16).Select(v => (double)v).ToArray(), output);
        Assert.Equal(expected.Length, output.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], output[i], 12);
    }

    [Fact]
    public void AdaptiveAvgPool2dForward_AveragesPyTorchsOverlappingWindows()
    {
        // Width 5 to 3: windows [0, 2), [1, 4), [3, 5), as floor(i·5/3) … ceil((i+1)·5/3).
        var g = new Pool2dGeometry(PoolKind.AdaptiveAverage, 1, 1, 1, 5, 1, 3, 0, 0, 0, 0, 0, 0);
        var output = new double[3];
        Pool2dReference.Forward<double>(g, 1, [1, 2, 3, 4, 5], output);
        Assert.Equal([1.5, 3, 4.5], output);
    }

    [Fact]
    public void SumPool2dForward_AddsTheWindow()
    {
        Pool2dGeometry g = Geometries.Pool(PoolKind.Sum, 1, 1, 2, 4, 2, 2);
        var output = new double[2];
        Pool2dReference.Forward<double>(g, 1, [1, 2, 3, 4, 5, 6, 7, 8], output);
        Assert.Equal([1.0 + 2 + 5 + 6, 3.0 + 4 + 7 + 8], output);
    }

    [Fact]
    public void MaxPool2dForward_IgnoresPaddingAndTakesTheMaximum()
    {
        Pool2dGeometry g = Geometries.Pool(PoolKind.Max, 1, 1, 2, 2, 3, 1, padding: 1);
        var output = new double[4];
        Pool2dReference.Forward<double>(g, 1, [-4, -3, -2, -1], output);
        Assert.Equal([-1.0, -1, -1, -1], output);
    }

    [Fact]
    public void MaxPool2dBackward_RoutesTiesToTheFirstMaximum()
    {
        Pool2dGeometry g = Geometries.Pool(PoolKind.Max, 1, 1, 2, 2, 2, 2);
        var dx = new double[4];
        Pool2dReference.Backward<double>(g, 1, [5, 5, 5, 5], [1.0], dx);
        Assert.Equal([1.0, 0, 0, 0], dx);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// Winograd's F(2×2, 3×3) in the fast backend (<see cref="WinogradConvolution"/>), forced on, against
/// the direct convolution in double (<see cref="Conv2dReference"/>): forward, input, weight and bias
/// gradients, on shapes whose tiles overhang the edges, padding 0, 1 and 2, one and several images,
/// channel counts that are not multiples of 16, blocks that span images and images split between
/// blocks. The scalar <see cref="WinogradReference"/> is checked against the direct convolution too,
/// and the gradients against central finite differences of the direct convolution.
/// </summary>
public class WinogradTests
{
    /// <summary>Max |error| / max |expected| per tensor: the fast suite's tolerance.</summary>
    private const double Tolerance = 1e-4;

    private readonly ITestOutputHelper _output;

    public WinogradTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<int, int, int, int, int, int, int> Shapes() => new()
    {
        // batch, in channels, height, width, out channels, padding, threads
        // Up to 8 tiles a row (width ≤ 16) take two tile rows per vector; odd tile-row counts leave a row alone.
        { 1, 3, 5, 7, 5, 0, 1 },
        { 2, 6, 9, 20, 10, 1, 2 },   // 10 tiles a row: one group, 6 lanes overhanging
        { 3, 17, 9, 11, 19, 1, 2 },
        { 2, 5, 13, 38, 7, 1, 2 },   // 19 tiles a row: a full group of 16 and an overhanging one
        { 5, 20, 6, 6, 33, 2, 2 },
        { 1, 24, 15, 9, 16, 1, 2 },  // one image split between the workers
        { 7, 16, 7, 7, 24, 1, 3 },   // blocks of several images
        { 2, 18, 40, 40, 17, 1, 2 }, // shares of 20 tile rows in blocks of 10: images split between blocks
        { 4, 9, 8, 5, 12, 0, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Winograd_MatchesDirectConvolutionInDouble_InAllThreeDirections(int batch, int inChannels, int height, int width, int outChannels, int padding, int threads)
    {
        Conv2dGeometry g = Geometries.Conv(batch, inChannels, height, width, outChannels, 3, padding: padding);
        Assert.True(WinogradConvolution.Applies(g));
        float[] x = TestArrays.UniformSingle(501, batch * g.InputSize), w = TestArrays.UniformSingle(502, g.WeightSize);
        float[] b = TestArrays.UniformSingle(503, outChannels), dy = TestArrays.UniformSingle(504, batch * g.OutputSize);
        Expected e = Direct(g, batch, x, w, b, dy);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = new FastConv2dOperator(g with { MaxBatch = batch + 3 }, h.Backend.Pool, winograd: true);
        Assert.True(conv.UsesWinograd(batch));
        Tensor input = h.Upload(x), weight = h.Upload(w), output = h.Stale(batch * g.OutputSize);
        Tensor dx = h.Stale(x.Length), dw = h.Stale(w.Length), db = h.Stale(outChannels);
        conv.Forward(batch, input, weight, h.Upload(b), output);
        conv.Backward(batch, input, weight, h.Upload(dy), dx, dw, db);

        double[] errors =
        [
            Check(e.Output, h.Read(output), "output"), Check(e.InputGradient, h.Read(dx), "inputGradient"),
            Check(e.WeightGradient, h.Read(dw), "weightGradient"), Check(e.BiasGradient, h.Read(db), "biasGradient"),
        ];
        _output.WriteLine($"relative errors: output {errors[0]:E2}, dx {errors[1]:E2}, dw {errors[2]:E2}, db {errors[3]:E2}");

        // Without an input gradient (a first layer) the parameter gradients are the same, and a frozen weight leaves dw alone.
        Tensor dw2 = h.Stale(w.Length), db2 = h.Stale(outChannels);
        conv.Backward(batch, input, weight, h.Upload(dy), default, dw2, default);
        Assert.Equal(h.Read(dw), h.Read(dw2));
        conv.Backward(batch, input, weight, h.Upload(dy), default, default, db2);
        Assert.Equal(h.Read(db), h.Read(db2));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WinogradReference_MatchesDirectConvolution(int batch, int inChannels, int height, int width, int outChannels, int padding, int threads)
    {
        _ = threads;
        Conv2dGeometry g = Geometries.Conv(batch, inChannels, height, width, outChannels, 3, padding: padding);
        double[] x = TestArrays.Uniform(511, batch * g.InputSize), w = TestArrays.Uniform(512, g.WeightSize);
        double[] b = TestArrays.Uniform(513, outChannels), dy = TestArrays.Uniform(514, batch * g.OutputSize);
        var y = new double[batch * g.OutputSize];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[outChannels];
        Conv2dReference.Forward<double>(g, batch, x, w, b, y);
        Conv2dReference.Backward<double>(g, batch, x, w, dy, dx, dw, db);

        var wy = new double[y.Length];
        var wdx = new double[dx.Length];
        var wdw = new double[dw.Length];
        WinogradReference.Forward(g, batch, x, w, b, wy);
        WinogradReference.InputGradient(g, batch, w, dy, wdx);
        WinogradReference.WeightGradient(g, batch, x, dy, wdw);
        GradientCheck.AssertClose(y, wy, 1e-12, "output");
        GradientCheck.AssertClose(dx, wdx, 1e-12, "inputGradient");
        GradientCheck.AssertClose(dw, wdw, 1e-12, "weightGradient");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void WinogradGradients_MatchFiniteDifferencesOfTheDirectConvolution(int padding)
    {
        const int batch = 2;
        Conv2dGeometry g = Geometries.Conv(batch, 3, 5, 6, 4, 3, padding: padding);
        double[] x = TestArrays.Uniform(521, batch * g.InputSize), w = TestArrays.Uniform(522, g.WeightSize), b = TestArrays.Uniform(523, 4);
        double[] r = TestArrays.Uniform(524, batch * g.OutputSize);
        var y = new double[r.Length];
        double Loss()
        {
            Conv2dReference.Forward<double>(g, batch, x, w, b, y);
            return GradientCheck.Dot(y, r);
        }
        double[] numericalX = GradientCheck.Numerical(Loss, x), numericalW = GradientCheck.Numerical(Loss, w), numericalB = GradientCheck.Numerical(Loss, b);

        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, winograd: true);
        Tensor dx = h.Stale(x.Length), dw = h.Stale(w.Length), db = h.Stale(4);
        conv.Backward(batch, h.Upload(TestArrays.ToSingle(x)), h.Upload(TestArrays.ToSingle(w)), h.Upload(TestArrays.ToSingle(r)), dx, dw, db);
        GradientCheck.AssertClose(numericalX, TestArrays.ToDouble(h.Read(dx)), 1e-4, "inputGradient");
        GradientCheck.AssertClose(numericalW, TestArrays.ToDouble(h.Read(dw)), 1e-4, "weightGradient");
        GradientCheck.AssertClose(numericalB, TestArrays.ToDouble(h.Read(db)), 1e-4, "biasGradient");
    }

    [Fact]
    public void Winograd_GivesTheSameBitsOnEveryRun_ForAFixedThreadCount()
    {
        Conv2dGeometry g = Geometries.Conv(6, 20, 11, 13, 18, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(531, 6 * g.InputSize), w = TestArrays.UniformSingle(532, g.WeightSize), dy = TestArrays.UniformSingle(533, 6 * g.OutputSize);
        float[][] Run()
        {
            using var h = new BackendHarness(CpuKernels.Fast, 2);
            var conv = new FastConv2dOperator(g, h.Backend.Pool, winograd: true);
            Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(new float[18]), output = h.Stale(6 * g.OutputSize);
            Tensor dx = h.Stale(x.Length), dw = h.Stale(w.Length), db = h.Stale(18);
            conv.Forward(6, input, weight, bias, output);
            conv.Backward(6, input, weight, h.Upload(dy), dx, dw, db);
            return [h.Read(output), h.Read(dx), h.Read(dw), h.Read(db)];
        }
        float[][] first = Run(), second = Run();
        for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
    }

    public static TheoryData<string, bool> RuleCases() => new()
    {
        // The CIFAR AlexNet-like net's 3×3 layers, ResNet-18's and VGG's; first layers and other shapes stay on im2col.
        { "alex conv3 192→384 6×6", true },
        { "resnet 64 56×56", true },
        { "resnet 512 7×7", true },
        { "mnist conv1 1→32", false },
        { "strided 3×3", false },
        { "5×5", false },
        { "groups 2", false },
        { "dilated", false },
        { "12→20", false },
        { "mnist conv2 32→64", false },
    };

    [Theory]
    [MemberData(nameof(RuleCases))]
    public void Rule_PicksWinogradOncePerLayer_ByItsShape(string name, bool winograd)
    {
        Conv2dGeometry g = name switch
        {
            "alex conv3 192→384 6×6" => Geometries.Conv(64, 192, 6, 6, 384, 3, padding: 1),
            "resnet 64 56×56" => Geometries.Conv(16, 64, 56, 56, 64, 3, padding: 1),
            "resnet 512 7×7" => Geometries.Conv(16, 512, 7, 7, 512, 3, padding: 1),
            "mnist conv1 1→32" => Geometries.Conv(64, 1, 28, 28, 32, 3, padding: 1),
            "strided 3×3" => Geometries.Conv(16, 64, 56, 56, 128, 3, stride: 2, padding: 1),
            "5×5" => Geometries.Conv(64, 64, 15, 15, 192, 5, padding: 2),
            "groups 2" => Geometries.Conv(16, 64, 14, 14, 64, 3, padding: 1, groups: 2),
            "dilated" => Geometries.Conv(16, 64, 14, 14, 64, 3, padding: 2, dilation: 2),
            "12→20" => Geometries.Conv(64, 12, 8, 8, 20, 3, padding: 1),
            "mnist conv2 32→64" => Geometries.Conv(64, 32, 14, 14, 64, 3, padding: 1),
            _ => throw new ArgumentException(name),
        };
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = (FastConv2dOperator)h.Backend.CreateConv2d(g);
        Assert.Equal(winograd && WinogradTransforms.IsSupported, conv.UsesWinograd(g.MaxBatch));
    }

    [Theory]
    [InlineData(6, 15, 14, false)]    // CIFAR AlexNet's 6×6 layers: 9 tiles an image
    [InlineData(7, 8, 7, false)]      // ResNet's 7×7 layers: 16 tiles
    [InlineData(56, 1, 1, true)]      // ResNet's 56×56 layer: 784 tiles even at batch 1
    [InlineData(16, 2, 1, false)]     // 64 tiles an image
    public void Rule_RunsImToColBelowTheBatchWithEnoughTiles(int size, int fromBatch, int below, bool belowIsWinograd)
    {
        Conv2dGeometry g = Geometries.Conv(64, 64, size, size, 64, 3, padding: 1);
        Assert.Equal(fromBatch, WinogradConvolution.MinBatch(g));
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = (FastConv2dOperator)h.Backend.CreateConv2d(g);
        Assert.Equal(WinogradTransforms.IsSupported, conv.UsesWinograd(fromBatch));
        Assert.Equal(belowIsWinograd && WinogradTransforms.IsSupported, conv.UsesWinograd(below));

        // Both paths of one operator compute the same convolution.
        float[] x = TestArrays.UniformSingle(541, 64 * g.InputSize), w = TestArrays.UniformSingle(542, g.WeightSize), b = TestArrays.UniformSingle(543, 64);
        Tensor output = h.Stale(64 * g.OutputSize);
        foreach (int batch in new[] { below, fromBatch })
        {
            conv.Forward(batch, h.Upload(x), h.Upload(w), h.Upload(b), output);
            var expected = new double[batch * g.OutputSize];
            Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), expected);
            GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output).AsSpan(0, expected.Length), Tolerance, $"output at batch {batch}");
        }
    }

    private sealed record Expected(float[] Output, float[] InputGradient, float[] WeightGradient, float[] BiasGradient);

    private static Expected Direct(Conv2dGeometry g, int batch, float[] x, float[] w, float[] b, float[] dy)
    {
        var y = new double[batch * g.OutputSize];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[b.Length];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), y);
        Conv2dReference.Backward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(dy), dx, dw, db);
        return new Expected(TestArrays.ToSingle(y), TestArrays.ToSingle(dx), TestArrays.ToSingle(dw), TestArrays.ToSingle(db));
    }

    private static double Check(float[] expected, float[] actual, string what)
    {
        GradientCheck.AssertRelative(expected, actual, Tolerance, what);
        double scale = expected.Max(v => Math.Abs((double)v)), error = 0;
        for (int i = 0; i < expected.Length; i++) error = Math.Max(error, Math.Abs((double)expected[i] - actual[i]));
        return error / scale;
    }
}

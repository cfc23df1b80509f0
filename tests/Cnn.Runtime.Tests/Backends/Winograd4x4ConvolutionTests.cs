using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// 3×3 convolutions by Winograd's F(4×4, 3×3) with the output channels as lanes
/// (<see cref="Winograd4x4Convolution"/>, through the fast backend's convolution, plain and fused)
/// against the layers one by one in double precision: the reference convolution with its bias, the
/// batch norm's evaluation formula, the reference activation, then the reference max pool. The first
/// two calls of a set of weights take another path (<see cref="PackedWeightCache.SteadyCalls"/>); the
/// third packs them for F(4×4), the fourth reads them kept.
/// </summary>
public class Winograd4x4ConvolutionTests
{
    private const double Tolerance = 2e-4;

    private static bool Available => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static IEnumerable<object[]> Cases() =>
    [
        // inChannels, height, width, outChannels, padding, batch, epilogue, threads, seed
        [64, 14, 14, 64, 1, 1, "bn-relu", 2, 1],      // ResNet's 256@14 shape, small: batch 1, tile rows shared by the workers
        [70, 17, 15, 50, 1, 3, "sigmoid", 2, 2],      // 5×4 tiles overhanging the plane; a last block of 18; an epilogue applied after, on the rows
        [64, 16, 40, 96, 0, 2, "plain", 2, 3],        // unpadded 14×38: ten tiles a row in two groups of five; three blocks; the bias
        [80, 18, 18, 64, 2, 1, "leaky", 2, 4],        // padding 2: 20×20 outputs
        [64, 30, 30, 40, 1, 4, "relu-pool", 2, 5],    // a share of the images per worker, each pooled after
        [64, 14, 14, 64, 1, 1, "relu-pool", 2, 6],    // shared tile rows, pooled once the image is whole
        [96, 28, 28, 128, 1, 3, "bn-relu", 1, 7],     // one worker; ResNet's 128@28 shape with 96 channels in
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Winograd4x4_MatchesLayerByLayer_InDouble(int inChannels, int height, int width, int outChannels, int padding, int batch, string epilogueName, int threads, int seed)
    {
        Conv2dGeometry g = Geometries.Conv(4, inChannels, height, width, outChannels, 3, padding: padding);
        float[] x = TestArrays.UniformSingle((ulong)(1900 + seed), batch * g.InputSize);
        Check(g, x, epilogueName, batch, threads, seed, Tolerance);
    }

    [Theory]
    [InlineData(1, "relu")]
    [InlineData(3, "plain")]
    public void ImageWithNaNOrInfinity_GivesTheDirectSumsNaNs(int batch, string epilogueName)
    {
        // F(4×4) would spread a NaN or an infinity over its whole tile: such images (or, at batch 1, such rows) take the reference convolution.
        // Only the F(4×4) calls are compared: the first calls of the weights run F(2×2)'s GEMM form at batch 3, which spreads them over its 2×2 tiles.
        Conv2dGeometry g = Geometries.Conv(4, 64, 16, 16, 64, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(1950, batch * g.InputSize);
        x[(batch - 1) * g.InputSize + 5 * 16 + 7] = float.NaN;
        if (batch > 1) x[g.InputSize + 3 * 256 + 200] = float.PositiveInfinity;
        Check(g, x, epilogueName, batch, 2, 20, Tolerance, firstCall: PackedWeightCache.SteadyCalls - 1);
    }

    [Fact]
    public void WeightsWithNaN_TakeAnotherPath()
    {
        Conv2dGeometry g = Geometries.Conv(2, 64, 14, 14, 64, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(1960, 2 * g.InputSize);
        Check(g, x, "relu", 2, 2, 21, Tolerance, badWeight: 9 * 64 * 3 + 4);
    }

    [Fact]
    public void Rule_TakesResNetsPlanesFrom14_AndNotSmallOnesNarrowChannelsOrForcedPaths()
    {
        if (!Available) return;
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        FastConv2dOperator Conv(int c, int size, bool? wide = null) => new(Geometries.Conv(32, c, size, size, c, 3, padding: 1, bias: false), h.Backend.Pool, wideChannelVector: wide);
        Assert.True(Conv(64, 56).UsesWinograd4x4);
        Assert.True(Conv(128, 28).UsesWinograd4x4);
        Assert.True(Conv(256, 14).UsesWinograd4x4);
        Assert.False(Conv(512, 7).UsesWinograd4x4);
        Assert.False(Conv(32, 28).UsesWinograd4x4);
        Assert.False(Conv(64, 56, wide: true).UsesWinograd4x4);
    }

    private static void Check(Conv2dGeometry g, float[] x, string epilogueName, int batch, int threads, int seed, double tolerance, int badWeight = -1, int firstCall = 0)
    {
        int c = g.OutChannels;
        bool pool = epilogueName == "relu-pool";
        Pool2dGeometry poolGeometry = Geometries.Pool(PoolKind.Max, g.MaxBatch, c, g.OutHeight, g.OutWidth, 3, 2);
        Epilogue epilogue = EpilogueReference.Named(epilogueName, g, poolGeometry);
        ulong s = (ulong)(2000 + 10 * seed);
        float[] w = TestArrays.UniformSingle(s, g.WeightSize, -0.2f, 0.2f), b = TestArrays.UniformSingle(s + 1, c);
        if (badWeight >= 0) w[badWeight] = float.NaN;
        float[] gamma = TestArrays.UniformSingle(s + 2, c, -1.5f, 1.5f);
        float[] beta = TestArrays.UniformSingle(s + 3, c), mean = TestArrays.UniformSingle(s + 4, c, -0.5f, 0.5f), variance = TestArrays.UniformSingle(s + 5, c, 0.2f, 2f);

        double[] expected = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), expected);
        EpilogueReference.Apply(epilogue, g, batch, expected, gamma, beta, mean, variance);
        if (pool)
        {
            double[] pooled = new double[batch * poolGeometry.OutputSize];
            Pool2dReference.Forward<double>(poolGeometry, batch, expected, pooled);
            expected = pooled;
        }

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        // A fused pool that the wide kernel's pooled form takes stays there: the pooled cases keep the wide kernel off.
        var conv = new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, wideChannelVector: pool ? false : null, winograd4x4: Available ? true : null);
        Assert.Equal(Available, conv.UsesWinograd4x4);
        var tensors = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b);
        // Four calls with the same weights: twice another path, then F(4×4) packing the kept copy, then reading it.
        for (int call = 0; call < PackedWeightCache.SteadyCalls + 1; call++)
        {
            Tensor output = h.Stale(expected.Length), scratch = h.Stale(batch * g.OutputSize);
            if (epilogueName == "plain") conv.Forward(batch, input, weight, bias, output);
            else ((IFusedConv2dOperator)conv).Forward(batch, input, weight, bias, epilogue.BatchNorm is null ? default : tensors, output, pool ? scratch : default);
            if (call >= firstCall) AssertMatches(expected, h.Read(output).AsSpan(0, expected.Length), tolerance, $"output, call {call}");
        }
        // The F(4×4) filters are kept, and the copies that the first calls' paths kept are dropped.
        if (Available && badWeight < 0) Assert.Equal((Winograd4x4Lanes.PackedWeightsSize(g) + 16L) * sizeof(float), conv.KeptWeightBytes);
    }

    /// <summary>Non-finite values where the reference has them (NaN for NaN, the same infinity), the finite ones within the tolerance of the largest.</summary>
    private static void AssertMatches(double[] expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        double scale = 1e-30;
        foreach (double v in expected) if (double.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        int nonFinite = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i];
            if (double.IsNaN(e)) Assert.True(float.IsNaN(actual[i]), $"{what}[{i}]: expected NaN, got {actual[i]:R}.");
            else if (double.IsInfinity(e)) Assert.True((float)e == actual[i], $"{what}[{i}]: expected {e}, got {actual[i]:R}.");
            else if (!(Math.Abs(e - actual[i]) <= tolerance * scale))
                Assert.Fail($"{what}[{i}]: expected {e:R}, got {actual[i]:R} (tolerance {tolerance:E1} of {scale:E2}).");
            if (!double.IsFinite(e)) nonFinite++;
        }
        // A case whose every value is non-finite would compare nothing.
        Assert.True(nonFinite < expected.Length, $"{what}: every expected value is non-finite");
    }
}

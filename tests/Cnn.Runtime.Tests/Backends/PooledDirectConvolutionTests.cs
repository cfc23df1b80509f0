using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The first layer convolved, finished and max-pooled in registers (<see cref="PooledDirectConvolution"/>,
/// through the fast backend's fused convolution) against the layers one by one in double precision:
/// the reference convolution with its bias, the batch norm's evaluation formula, the reference
/// activation, then the reference 2×2 max pool.
/// </summary>
public class PooledDirectConvolutionTests
{
    private const double Tolerance = 2e-4;

    private static bool Available => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static TheoryData<int, int, int, int, int, int, bool, string, int, int> Cases() => new()
    {
        // inChannels, size, outChannels, kernel, padding, batch, bias, epilogue, threads, seed
        { 1, 28, 32, 3, 1, 1, true, "relu", 1, 1 },     // the MNIST tutorial net's conv1, batch-1 inference
        { 1, 28, 32, 3, 1, 1, true, "relu", 2, 9 },     // the same with two workers, one idle
        { 3, 27, 64, 5, 2, 1, true, "relu", 2, 10 },    // split, 13 pooled rows
        { 1, 28, 32, 3, 1, 3, true, "relu", 2, 2 },
        { 1, 27, 16, 3, 1, 3, false, "relu", 2, 3 },    // odd planes: the pool drops the last row and column
        { 3, 27, 40, 5, 0, 3, true, "leaky", 2, 4 },    // 27 → 23 → 11
        { 3, 28, 64, 5, 2, 1, true, "bn-relu", 2, 5 },  // enough work per image to split its pooled rows over the workers
        { 3, 27, 64, 5, 2, 3, false, "none", 1, 6 },
        { 1, 40, 32, 3, 1, 3, true, "relu", 2, 7 },     // 20 pooled columns: two segments, the second masked
        { 3, 12, 16, 3, 0, 1, true, "relu", 2, 8 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedConvolutionWithMaxPool_MatchesLayerByLayer_InDouble(int inChannels, int size, int outChannels, int kernel, int padding,
        int batch, bool hasBias, string epilogueName, int threads, int seed)
    {
        Conv2dGeometry g = Geometries.Conv(4, inChannels, size, size, outChannels, kernel, padding: padding, bias: hasBias);
        float[] x = TestArrays.UniformSingle((ulong)(500 + seed), batch * g.InputSize);
        Check(g, epilogueName, batch, threads, x, seed, expectPooledDirect: Available);
    }

    [Fact]
    public void NegativeBatchNormScale_LeavesTheCallToTheOtherPaths()
    {
        // A negative scale does not commute with the max: the rule must send the call elsewhere, with the same values.
        Conv2dGeometry g = Geometries.Conv(4, 1, 28, 28, 32, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(520, 2 * g.InputSize);
        Check(g, "bn-negative-relu", 2, 2, x, 20, expectPooledDirect: Available);
    }

    [Theory]
    [InlineData(float.NaN, "relu")]
    // Without an activation: ChannelEpilogue's ReLU, as the other paths apply it, turns −∞ into NaN (−∞·0), where the reference gives 0.
    [InlineData(float.PositiveInfinity, "none")]
    [InlineData(float.NegativeInfinity, "none")]
    public void ImageWithNaNOrInfinity_FollowsThePoolNaNRule(float special, string epilogueName)
    {
        Conv2dGeometry g = Geometries.Conv(4, 1, 28, 28, 32, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(530, 3 * g.InputSize);
        x[g.InputSize + 100] = special;
        x[2 * g.InputSize + 300] = special;
        x[2 * g.InputSize + 301] = -special;
        Check(g, epilogueName, 3, 2, x, 30, expectPooledDirect: Available);
    }

    private static void Check(Conv2dGeometry g, string epilogueName, int batch, int threads, float[] x, int seed, bool expectPooledDirect)
    {
        int c = g.OutChannels;
        Pool2dGeometry pool = Geometries.Pool(PoolKind.Max, g.MaxBatch, c, g.OutHeight, g.OutWidth, 2, 2);
        var norm = new BatchNormGeometry(g.MaxBatch, c, g.OutHeight * g.OutWidth, 1e-3f, 0.1f);
        ActivationGeometry Activation(ActivationKind kind, float slope = 0.01f) => new(kind, g.MaxBatch, g.OutputSize, slope);
        Epilogue epilogue = epilogueName switch
        {
            "relu" => new Epilogue(Activation: Activation(ActivationKind.ReLU)),
            "leaky" => new Epilogue(Activation: Activation(ActivationKind.LeakyReLU, 0.2f)),
            "bn-relu" or "bn-negative-relu" => new Epilogue(norm, Activation(ActivationKind.ReLU)),
            "none" => Epilogue.None,
            _ => throw new ArgumentException(epilogueName),
        } with { Pool = pool };
        ulong s = (ulong)(600 + 10 * seed);
        float[] w = TestArrays.UniformSingle(s, g.WeightSize), b = TestArrays.UniformSingle(s + 1, c);
        float[] gamma = epilogueName == "bn-negative-relu" ? TestArrays.UniformSingle(s + 2, c, -1.5f, 1.5f) : TestArrays.UniformSingle(s + 2, c, 0.5f, 1.5f);
        float[] beta = TestArrays.UniformSingle(s + 3, c), mean = TestArrays.UniformSingle(s + 4, c, -0.5f, 0.5f), variance = TestArrays.UniformSingle(s + 5, c, 0.2f, 2f);

        double[] unpooled = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), g.HasBias ? TestArrays.ToDouble(b) : default, unpooled);
        if (epilogue.BatchNorm is { } bn)
        {
            int plane = g.OutHeight * g.OutWidth;
            for (int i = 0; i < unpooled.Length; i++)
            {
                int channel = i / plane % c;
                unpooled[i] = (unpooled[i] - mean[channel]) / Math.Sqrt((double)variance[channel] + bn.Epsilon) * gamma[channel] + beta[channel];
            }
        }
        if (epilogue.Activation is { } activation)
            ActivationReference.Forward<double>(activation.Kind, batch, g.OutputSize, unpooled, unpooled, activation.NegativeSlope);
        double[] expected = new double[batch * pool.OutputSize];
        Pool2dReference.Forward<double>(pool, batch, unpooled, expected);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = (FastConv2dOperator)h.Backend.CreateFusedConv2d(g, epilogue);
        Assert.Equal(expectPooledDirect, conv.UsesPooledDirect);
        var tensors = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = g.HasBias ? h.Upload(b) : default;
        // Three calls with the same weights: packed into the shared region, then into the kept copy, then read as kept.
        for (int call = 0; call < 3; call++)
        {
            Tensor output = h.Stale(batch * pool.OutputSize), scratch = h.Stale(batch * g.OutputSize);
            ((IFusedConv2dOperator)conv).Forward(batch, input, weight, bias, epilogue.BatchNorm is null ? default : tensors, output, scratch);
            AssertPooled(expected, h.Read(output), $"pooled output, call {call}");
        }
    }

    /// <summary>Every NaN where the reference has one, the other values within the tolerance of the largest magnitude.</summary>
    private static void AssertPooled(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-30;
        foreach (double v in expected) if (double.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                Assert.True(float.IsNaN(actual[i]), $"{what}[{i}]: expected NaN, got {actual[i]:R}.");
                continue;
            }
            if (double.IsInfinity(expected[i]))
            {
                Assert.Equal(expected[i], (double)actual[i]);
                continue;
            }
            double error = Math.Abs(expected[i] - actual[i]);
            if (!(error <= Tolerance * scale))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error / scale:E2} of the largest magnitude {scale:E2}).");
        }
    }
}

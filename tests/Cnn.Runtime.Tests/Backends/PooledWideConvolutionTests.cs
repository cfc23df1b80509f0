using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The wide channel-vector convolution finished and max-pooled channel-last (<see cref="PooledWideConvolution"/>,
/// through the fast backend's fused convolution) against the layers one by one in double precision:
/// the reference convolution with its bias, the batch norm's evaluation formula, the reference
/// activation, then the reference max pool.
/// </summary>
public class PooledWideConvolutionTests
{
    private const double Tolerance = 2e-4;

    private static bool Available => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static IEnumerable<object[]> Cases() =>
    [
        // inChannels, size, outChannels, kernel, stride, padding, pool kernel, pool stride, batch, epilogue, threads, seed
        [3, 32, 64, 4, 1, 1, 3, 2, 1, "relu", 2, 1],        // the CIFAR net's conv1 at batch 1: two blocks, one per worker
        [3, 32, 64, 4, 1, 1, 3, 2, 3, "relu", 2, 2],        // the same, a share of the images per worker
        [64, 15, 192, 4, 1, 1, 3, 2, 1, "relu", 2, 3],      // conv2 at batch 1: six blocks, three per worker
        [64, 15, 192, 4, 1, 1, 3, 2, 2, "relu", 1, 4],
        [256, 6, 64, 3, 1, 1, 3, 2, 1, "relu", 2, 5],       // a 6×6 plane: two-row segments, pooled to 2×2
        [16, 17, 96, 3, 1, 1, 3, 2, 1, "leaky", 2, 6],      // three blocks over two workers: bands of pooled rows
        [8, 19, 40, 3, 1, 0, 2, 2, 3, "bn-negative-relu", 2, 7], // a last block of 8 channels; 17 → 8, the last conv row and column unread
        [8, 12, 50, 3, 1, 1, 3, 1, 2, "none", 2, 8],        // a last block of 18 channels; overlapping windows of stride 1
        [8, 40, 48, 3, 1, 1, 2, 2, 1, "bn-relu", 2, 9],     // 20 pooled columns: two stores, the second masked; a last block of 16
        [16, 21, 32, 3, 2, 1, 3, 2, 3, "relu", 2, 10],      // a stride-2 convolution, 11 → 5
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedWideConvolutionWithMaxPool_MatchesLayerByLayer_InDouble(int inChannels, int size, int outChannels, int kernel, int stride, int padding,
        int poolKernel, int poolStride, int batch, string epilogueName, int threads, int seed)
    {
        Conv2dGeometry g = Geometries.Conv(4, inChannels, size, size, outChannels, kernel, stride: stride, padding: padding);
        Pool2dGeometry pool = Geometries.Pool(PoolKind.Max, 4, outChannels, g.OutHeight, g.OutWidth, poolKernel, poolStride);
        float[] x = TestArrays.UniformSingle((ulong)(700 + seed), batch * g.InputSize);
        Check(g, pool, epilogueName, batch, threads, x, seed, expectPooledWide: Available);
    }

    [Fact]
    public void CeilModeWindowPastThePlane_LeavesTheCallToTheOtherPaths()
    {
        Conv2dGeometry g = Geometries.Conv(4, 8, 14, 14, 32, 3, padding: 0);
        Pool2dGeometry pool = Geometries.Pool(PoolKind.Max, 4, 32, g.OutHeight, g.OutWidth, 3, 2, ceil: true); // 12 → 6, the last window past the plane
        float[] x = TestArrays.UniformSingle(740, 2 * g.InputSize);
        Check(g, pool, "relu", 2, 2, x, 40, expectPooledWide: false);
    }

    [Theory]
    [InlineData(float.NaN, "relu", 1)]
    [InlineData(float.NaN, "relu", 3)]
    // Without an activation: ChannelEpilogue's ReLU, as the other paths apply it, turns −∞ into NaN (−∞·0), where the reference gives 0.
    [InlineData(float.PositiveInfinity, "none", 3)]
    [InlineData(float.NegativeInfinity, "none", 1)]
    public void ImageWithNaNOrInfinity_FollowsThePoolNaNRule(float special, string epilogueName, int batch)
    {
        Conv2dGeometry g = Geometries.Conv(4, 3, 32, 32, 64, 4, padding: 1);
        Pool2dGeometry pool = Geometries.Pool(PoolKind.Max, 4, 64, g.OutHeight, g.OutWidth, 3, 2);
        float[] x = TestArrays.UniformSingle(750, batch * g.InputSize);
        int last = (batch - 1) * g.InputSize;
        x[last + 100] = special;
        x[last + 300] = special;
        x[last + 301] = -special;
        Check(g, pool, epilogueName, batch, 2, x, 50, expectPooledWide: Available);
    }

    private static void Check(Conv2dGeometry g, Pool2dGeometry pool, string epilogueName, int batch, int threads, float[] x, int seed, bool expectPooledWide)
    {
        int c = g.OutChannels;
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
        ulong s = (ulong)(800 + 10 * seed);
        float[] w = TestArrays.UniformSingle(s, g.WeightSize), b = TestArrays.UniformSingle(s + 1, c);
        float[] gamma = epilogueName == "bn-negative-relu" ? TestArrays.UniformSingle(s + 2, c, -1.5f, 1.5f) : TestArrays.UniformSingle(s + 2, c, 0.5f, 1.5f);
        float[] beta = TestArrays.UniformSingle(s + 3, c), mean = TestArrays.UniformSingle(s + 4, c, -0.5f, 0.5f), variance = TestArrays.UniformSingle(s + 5, c, 0.2f, 2f);

        double[] unpooled = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), unpooled);
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
        var conv = new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, wideChannelVector: Available ? true : null);
        Assert.Equal(expectPooledWide, conv.UsesPooledWide(batch));
        var tensors = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b);
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

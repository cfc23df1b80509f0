using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// Small-plane 3×3 convolutions by Winograd's F(2×2, 3×3) with the output channels as lanes
/// (<see cref="WinogradChannelVectorConvolution"/>, through the fast backend's convolution, plain and
/// fused) against the layers one by one in double precision: the reference convolution with its
/// bias, the batch norm's evaluation formula, the reference activation, then the reference max pool.
/// </summary>
public class WinogradChannelVectorConvolutionTests
{
    private const double Tolerance = 2e-4;

    private static bool Available => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static IEnumerable<object[]> Cases() =>
    [
        // inChannels, size, outChannels, padding, batch, epilogue, threads, seed
        [192, 6, 384, 1, 1, "relu", 2, 1],      // the CIFAR net's conv3 at batch 1: input channels, then blocks, shared by the workers
        [384, 6, 256, 1, 1, "plain", 2, 2],     // conv4, the plain operator with its bias
        [256, 6, 256, 1, 3, "relu-pool", 2, 3], // conv5 with its 3×3, stride-2 pool, a share of the images per worker
        [64, 5, 64, 1, 2, "plain", 1, 4],       // 5×5: the last tile row and column half outside the plane
        [64, 8, 40, 0, 1, "leaky", 2, 5],       // unpadded 8×8 → 6×6; a last block of 8 channels
        [64, 4, 48, 2, 2, "bn-negative-relu", 2, 6], // padding 2: 4×4 → 6×6; a last block of 16
        [70, 7, 50, 1, 1, "sigmoid", 2, 7],     // a 7×5 plane (below): 4×3 tiles; a last block of 18; an epilogue applied after, not in lanes
        [64, 3, 96, 1, 5, "plain", 2, 8],       // 3×3 planes: four tiles; three blocks
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void WinogradChannelVector_MatchesLayerByLayer_InDouble(int inChannels, int size, int outChannels, int padding, int batch, string epilogueName, int threads, int seed)
    {
        // The 7×7 case runs on a 7×5 plane: 4×3 = 12 tiles.
        Conv2dGeometry g = size == 7
            ? Geometries.Conv(8, inChannels, 7, 5, outChannels, 3, 3, 1, 1, padding, padding, 1, 1, 1, true)
            : Geometries.Conv(8, inChannels, size, size, outChannels, 3, padding: padding);
        float[] x = TestArrays.UniformSingle((ulong)(900 + seed), batch * g.InputSize);
        int c = g.OutChannels;
        bool pool = epilogueName == "relu-pool";
        Pool2dGeometry poolGeometry = Geometries.Pool(PoolKind.Max, g.MaxBatch, c, g.OutHeight, g.OutWidth, 3, 2);
        Epilogue epilogue = EpilogueReference.Named(epilogueName, g, poolGeometry);
        ulong s = (ulong)(1000 + 10 * seed);
        float[] w = TestArrays.UniformSingle(s, g.WeightSize), b = TestArrays.UniformSingle(s + 1, c);
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
        var conv = new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, winogradChannelVector: Available ? true : null);
        Assert.Equal(Available, conv.UsesWinogradLanes(batch));
        var tensors = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b);
        // Three calls with the same weights: packed into the shared region, then into the kept copy, then read as kept.
        for (int call = 0; call < 3; call++)
        {
            Tensor output = h.Stale(expected.Length), scratch = h.Stale(batch * g.OutputSize);
            if (epilogueName == "plain") conv.Forward(batch, input, weight, bias, output);
            else ((IFusedConv2dOperator)conv).Forward(batch, input, weight, bias, epilogue.BatchNorm is null ? default : tensors, output, pool ? scratch : default);
            GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output).AsSpan(0, expected.Length), Tolerance, $"output, call {call}");
        }
    }

    [Fact]
    public void Rule_TakesTheCifarNetSmallPlanesAtEveryBatch_AndNotForcedWideOrLargePlanes()
    {
        if (!Available) return;
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv3 = new FastConv2dOperator(Geometries.Conv(256, 192, 6, 6, 384, 3, padding: 1), h.Backend.Pool);
        Assert.True(conv3.UsesWinogradLanes(1));
        Assert.True(conv3.UsesWinogradLanes(256));
        Assert.False(new FastConv2dOperator(Geometries.Conv(256, 192, 6, 6, 384, 3, padding: 1), h.Backend.Pool, wideChannelVector: true).UsesWinogradLanes(1));
        Assert.False(new FastConv2dOperator(Geometries.Conv(32, 256, 14, 14, 256, 3, padding: 1), h.Backend.Pool).UsesWinogradLanes(1));
        Assert.False(new FastConv2dOperator(Geometries.Conv(32, 32, 6, 6, 64, 3, padding: 1), h.Backend.Pool).UsesWinogradLanes(1));
    }
}

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

    private static void Check(Conv2dGeometry g, string epilogueName, int batch, int threads, float[] x, int seed, bool expectPooledDirect) =>
        PooledConvolutionCheck.Run(g, Geometries.Pool(PoolKind.Max, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2), epilogueName, batch, threads, x, (ulong)(600 + 10 * seed),
            (h, epilogue) => (FastConv2dOperator)h.Backend.CreateFusedConv2d(g, epilogue), conv => conv.UsesPooledDirect, expectPooledDirect, Tolerance);
}

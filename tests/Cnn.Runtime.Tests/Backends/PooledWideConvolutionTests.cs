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
    [InlineData(float.PositiveInfinity, "none", 3)]
    [InlineData(float.NegativeInfinity, "none", 1)]
    [InlineData(float.PositiveInfinity, "relu", 3)]
    [InlineData(float.NegativeInfinity, "relu", 1)]
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

    private static void Check(Conv2dGeometry g, Pool2dGeometry pool, string epilogueName, int batch, int threads, float[] x, int seed, bool expectPooledWide) =>
        PooledConvolutionCheck.Run(g, pool, epilogueName, batch, threads, x, (ulong)(800 + 10 * seed),
            (h, epilogue) => new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, wideChannelVector: Available ? true : null),
            conv => conv.UsesPooledWide(batch), expectPooledWide, Tolerance);
}

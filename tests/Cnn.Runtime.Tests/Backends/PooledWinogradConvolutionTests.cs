using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// A 3×3 convolution by Winograd's F(4×4, 3×3), finished and max-pooled in registers
/// (<see cref="PooledWinogradConvolution"/>), against the layers one by one in double precision: the
/// reference convolution with its bias, the batch norm's evaluation formula, the reference activation,
/// then the reference 2×2 max pool. Through the fast backend's fused convolution where its rule takes
/// the layer, and the kernel alone for geometries outside the rule (tiles that overhang the plane,
/// padding 0 and 2, channel counts off the vector width, tile rows split between workers).
/// </summary>
public class PooledWinogradConvolutionTests
{
    // F(4×4)'s transforms round more than a direct sum: relative errors of 1e-6 to 1e-5 of the largest output here.
    private const double Tolerance = 1e-4;

    private static bool Available => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static TheoryData<int, int, int, int, bool, string, int, int> OperatorCases() => new()
    {
        // inChannels, size, outChannels, batch, bias, epilogue, threads, seed
        { 32, 14, 64, 1, true, "relu", 1, 1 },     // the MNIST tutorial net's conv2, batch-1 inference
        { 32, 14, 64, 1, true, "relu", 2, 2 },     // the same, its four tile rows split over two workers
        { 32, 14, 64, 5, true, "relu", 2, 3 },     // images shared out, odd batch
        { 16, 13, 48, 3, false, "leaky", 2, 4 },   // 13×13 → 6×6: the last tile row and column overhang, a half block
        { 24, 10, 32, 2, true, "bn-relu", 2, 5 },  // input channels off the vector width
        { 40, 9, 40, 1, true, "none", 2, 6 },      // 3 tile rows over 2 workers, 40 = 32 + 8 output channels
        { 32, 36, 32, 2, true, "relu", 2, 7 },     // 9 tiles a row: groups are pieces of one row
    };

    [Theory]
    [MemberData(nameof(OperatorCases))]
    public void FusedConvolutionWithMaxPool_MatchesLayerByLayer_InDouble(int inChannels, int size, int outChannels, int batch, bool hasBias, string epilogueName, int threads, int seed)
    {
        Conv2dGeometry g = Geometries.Conv(5, inChannels, size, size, outChannels, 3, padding: 1, bias: hasBias);
        float[] x = TestArrays.UniformSingle((ulong)(700 + seed), batch * g.InputSize);
        Check(g, epilogueName, batch, threads, x, seed, expectPooledWinograd: Available);
    }

    [Fact]
    public void NegativeBatchNormScale_LeavesTheCallToTheOtherPaths()
    {
        // A negative scale does not commute with the max: the call goes elsewhere, with the same values.
        Conv2dGeometry g = Geometries.Conv(4, 32, 14, 14, 64, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(720, 2 * g.InputSize);
        Check(g, "bn-negative-relu", 2, 2, x, 20, expectPooledWinograd: Available);
    }

    [Fact]
    public void RuleLeavesWideLayersToWinogradsF2AndNarrowOnesToTheOtherPaths()
    {
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        foreach ((int inChannels, int outChannels, bool expected) in new[] { (64, 64, false), (8, 32, false), (32, 16, false), (32, 64, true) })
        {
            Conv2dGeometry g = Geometries.Conv(4, inChannels, 14, 14, outChannels, 3, padding: 1);
            Pool2dGeometry pool = Geometries.Pool(PoolKind.Max, 4, outChannels, 14, 14, 2, 2);
            var conv = (FastConv2dOperator)h.Backend.CreateFusedConv2d(g, new Epilogue(Activation: new ActivationGeometry(ActivationKind.ReLU, 4, g.OutputSize), Pool: pool));
            Assert.Equal(expected && Available, conv.UsesPooledWinograd);
        }
    }

    [Theory]
    [InlineData(float.NaN, "relu")]
    [InlineData(float.PositiveInfinity, "none")]
    public void ImageWithNaNOrInfinity_FollowsThePoolNaNRule(float special, string epilogueName)
    {
        // F(4×4) would spread the value over its whole tile: such an image takes the reference convolution.
        Conv2dGeometry g = Geometries.Conv(4, 32, 14, 14, 64, 3, padding: 1);
        float[] x = TestArrays.UniformSingle(730, 3 * g.InputSize);
        x[g.InputSize + 100] = special;
        x[2 * g.InputSize + 300] = special;
        Check(g, epilogueName, 3, 2, x, 30, expectPooledWinograd: Available);
    }

    public static TheoryData<int, int, int, int, int, int> KernelCases() => new()
    {
        // inChannels, height, width, outChannels, padding, tile-row shares
        { 3, 8, 8, 16, 1, 1 },      // one tile row, channels padded to a vector, a block of 16
        { 5, 11, 7, 20, 0, 1 },     // 9×5 outputs → 4×2 pooled, padding 0
        { 17, 12, 15, 33, 2, 2 },   // padding 2: 14×17 outputs, 5 tile columns, 33 = 32 + 1 channels
        { 8, 30, 30, 32, 1, 3 },    // 8 tiles a row, three shares of the 8 tile rows
        { 1, 6, 40, 16, 1, 2 },     // 10 tiles a row: a group of 8 and one of 2
    };

    [Theory]
    [MemberData(nameof(KernelCases))]
    public void Kernel_MatchesLayerByLayer_InDouble(int inChannels, int height, int width, int outChannels, int padding, int shares)
    {
        if (!Available) return;
        Conv2dGeometry g = Geometries.Conv(1, inChannels, height, width, outChannels, 3, padding: padding, bias: true);
        Pool2dGeometry pool = Geometries.Pool(PoolKind.Max, 1, outChannels, g.OutHeight, g.OutWidth, 2, 2);
        ulong s = (ulong)(800 + inChannels + height + outChannels);
        float[] x = TestArrays.UniformSingle(s, g.InputSize), w = TestArrays.UniformSingle(s + 1, g.WeightSize), b = TestArrays.UniformSingle(s + 2, outChannels);
        double[] unpooled = new double[g.OutputSize], expected = new double[pool.OutputSize];
        Conv2dReference.Forward<double>(g, 1, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), unpooled);
        ActivationReference.Forward<double>(ActivationKind.LeakyReLU, 1, g.OutputSize, unpooled, unpooled, 0.1f);
        Pool2dReference.Forward<double>(pool, 1, unpooled, expected);

        var kernel = new PooledWinogradConvolution(g, pool);
        float[] packed = new float[PooledWinogradConvolution.PackedWeightsSize(g)];
        float[] workspace = new float[PooledWinogradConvolution.WorkspaceSize(g, pool) + 16];
        float[] actual = new float[pool.OutputSize], scale = Enumerable.Repeat(1f, outChannels).ToArray();
        Array.Fill(workspace, float.NaN); // the border must be cleared by the first call
        unsafe
        {
            fixed (float* px = x, pw = w, pb = b, pp = packed, pws = workspace, pa = actual, ps = scale)
            {
                PooledWinogradConvolution.PackWeights(g, pw, pp);
                float* aligned = (float*)(((nint)pws + 63) & ~(nint)63);
                for (int share = 0; share < shares; share++)
                {
                    (int first, int end) = WorkerPool.Share(kernel.TileRows, share, shares);
                    kernel.Forward(px, pp, ps, pb, 0.1f, pa, aligned, clear: share == 0, first, end);
                }
            }
        }
        PooledConvolutionCheck.AssertPooled(expected, actual, "pooled output", Tolerance);
    }

    private static void Check(Conv2dGeometry g, string epilogueName, int batch, int threads, float[] x, int seed, bool expectPooledWinograd) =>
        PooledConvolutionCheck.Run(g, Geometries.Pool(PoolKind.Max, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2), epilogueName, batch, threads, x, (ulong)(900 + 10 * seed),
            (h, epilogue) => (FastConv2dOperator)h.Backend.CreateFusedConv2d(g, epilogue), conv => conv.UsesPooledWinograd, expectPooledWinograd, Tolerance);
}

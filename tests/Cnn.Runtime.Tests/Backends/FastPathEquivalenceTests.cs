using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The fast paths added for throughput and latency, against the reference: convolutions that put
/// several images in one GEMM, batch-1 convolutions split over the workers by bands of output rows
/// (each worker unfolding its own), by rows of output channels or by columns (with the unfold split
/// by channels), images too large for the column cap in bands of output rows,
/// the dot-product linear forward for small batches, and the
/// windowed max/average/sum pools, NaN planes included.
/// </summary>
public class FastPathEquivalenceTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, int, int> ConvCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            foreach (int batch in new[] { 1, 5, 64 }) data.Add("small-plane-chunks", batch, threads);
            data.Add("split-rows", 1, threads);
            data.Add("split-columns", 1, threads);
            data.Add("split-rows", 2, threads);
            data.Add("strided-chunks", 9, threads);
            data.Add("inception-1x7", 3, threads);
            data.Add("inception-7x1", 3, threads);
            data.Add("non-square-strided-dilated", 4, threads);
            data.Add("direct-1x5", 4, threads);
            data.Add("direct-5-two-steps", 3, threads);
            data.Add("direct-7", 2, threads);
            data.Add("direct-6-two-steps", 3, threads);
            data.Add("split-rows-7x1", 1, threads);
            data.Add("split-bands-odd-height", 1, threads);
            data.Add("split-bands-pointwise", 1, threads);
            data.Add("split-channel-rows", 1, threads);
        }
        return data;
    }

    private static Conv2dGeometry Conv(string name) => name switch
    {
        // 6×6 planes: many images per GEMM (as CIFAR AlexNet's conv3–5).
        "small-plane-chunks" => Geometries.Conv(64, 24, 6, 6, 40, 3, padding: 1),
        // Above the split threshold, with a plane of at least twice as many positions as output channels (MNIST conv2): bands of output rows.
        "split-rows" => Geometries.Conv(64, 32, 14, 14, 64, 3, padding: 1),
        // One row panel of output channels and a wide plane: bands of output rows too.
        "split-columns" => Geometries.Conv(64, 16, 40, 40, 8, 3, padding: 1),
        // Not a "same" convolution: the general unfold and fold with images side by side.
        "strided-chunks" => Geometries.Conv(64, 5, 11, 9, 7, 3, stride: 2, padding: 1),
        // Inception-v3's kernel_size=(1, 7), padding=(0, 3) and its transpose: "same" along both axes, on a plane with H ≠ W.
        "inception-1x7" => Geometries.Conv(64, 12, 9, 17, 10, 1, 7, 1, 1, 0, 3, 1, 1, 1, true),
        "inception-7x1" => Geometries.Conv(64, 12, 9, 17, 10, 7, 1, 1, 1, 3, 0, 1, 1, 1, true),
        // Every pair different: kernel (3, 2), stride (2, 1), padding (1, 0), dilation (1, 2).
        "non-square-strided-dilated" => Geometries.Conv(64, 6, 11, 13, 9, 3, 2, 2, 1, 1, 0, 1, 2, 1, true),
        // Batch 1 above the split threshold, as "split-rows", with a (7, 1) kernel on a 14×17 plane.
        "split-rows-7x1" => Geometries.Conv(64, 32, 14, 17, 64, 7, 1, 1, 1, 3, 0, 1, 1, 1, true),
        // Bands of output rows over an odd number of rows (13: 6 + 7 on two workers, 4 + 4 + 5 on three).
        "split-bands-odd-height" => Geometries.Conv(64, 32, 13, 15, 48, 3, padding: 1),
        // A pointwise convolution's bands read the image in place.
        "split-bands-pointwise" => Geometries.Conv(64, 64, 28, 28, 32, 1),
        // 6×6 planes with many output channels (CIFAR AlexNet's conv3–5 at batch 1): split by rows of output channels.
        "split-channel-rows" => Geometries.Conv(64, 64, 6, 6, 96, 3, padding: 1),
        // Small enough for the direct path: 3 input channels × (1, 5) taps, 6 outputs.
        "direct-1x5" => Geometries.Conv(64, 3, 10, 21, 6, 1, 5, 1, 1, 0, 2, 1, 1, 1, true),
        // Direct, 5 output channels in one block, rows of 35 outputs: a 512-bit step of 32 and one of 3.
        "direct-5-two-steps" => Geometries.Conv(64, 2, 9, 35, 5, 3, padding: 1),
        // Direct, 7 output channels: two blocks, 3 + 4, on either vector width.
        "direct-7" => Geometries.Conv(64, 1, 12, 12, 7, 3),
        // Direct, 6 output channels: one block of six on 512 bits (3 + 3 on 256), rows of 40 outputs: a step of 32 and one of 8.
        "direct-6-two-steps" => Geometries.Conv(64, 1, 9, 40, 6, 3, padding: 1),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_ChunkedAndSplitPaths_MatchReference(string name, int batch, int threads)
    {
        Conv2dGeometry g = Conv(name);
        float[] x = TestArrays.UniformSingle(301, batch * g.InputSize), w = TestArrays.UniformSingle(302, g.WeightSize);
        float[] b = TestArrays.UniformSingle(303, g.OutChannels), dy = TestArrays.UniformSingle(304, batch * g.OutputSize);
        float[][] expected = RunConv(CpuKernels.Reference, 1, g, batch, x, w, b, dy);
        float[][] actual = RunConv(CpuKernels.Fast, threads, g, batch, x, w, b, dy);
        string[] names = ["output", "inputGradient", "weightGradient", "biasGradient"];
        for (int i = 0; i < names.Length; i++) GradientCheck.AssertRelative(expected[i], actual[i], Tolerance, names[i]);

        // Twice on one operator, bitwise: the second call packs the same weights again, into the copy the layer keeps (PackedWeightCache).
        float[][] again = RunConv(CpuKernels.Fast, threads, g, batch, x, w, b, dy, calls: 2);
        for (int i = 0; i < names.Length; i++) Assert.Equal(actual[i], again[i]);
    }

    public static TheoryData<string, int, int> BandedConvCases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (int threads in new[] { 1, 2, 3 })
        foreach (int batch in new[] { 1, 4 })
        foreach (string name in new[] { "banded-same", "banded-strided", "banded-dilated", "banded-groups", "banded-non-square", "banded-split-rows", "banded-split-columns" })
            data.Add(name, batch, threads);
        return data;
    }

    /// <summary>A geometry and the output rows per band that the lowered column cap leaves it.</summary>
    private static (Conv2dGeometry Geometry, int BandRows) BandedConv(string name) => name switch
    {
        // "Same" padding, a band just short of the image: bands of 12 rows and 1.
        "banded-same" => (Geometries.Conv(64, 8, 13, 11, 12, 3, padding: 1), 12),
        // Stride 2 (7×6 outputs), bands of 2 rows: 2, 2, 2, 1.
        "banded-strided" => (Geometries.Conv(64, 5, 13, 11, 7, 3, stride: 2, padding: 1), 2),
        // Dilation 2: each band reads input rows four apart, across the top and bottom padding.
        "banded-dilated" => (Geometries.Conv(64, 6, 12, 10, 9, 3, padding: 2, dilation: 2), 3),
        // Two groups of 6 outputs: the weight gradient as dot products, over strided bands of dY.
        "banded-groups" => (Geometries.Conv(64, 8, 12, 12, 12, 3, padding: 1, groups: 2), 5),
        // Kernel (3, 2), stride (2, 1), padding (1, 0), dilation (1, 2): the general unfold.
        "banded-non-square" => (Geometries.Conv(64, 6, 11, 13, 9, 3, 2, 2, 1, 1, 0, 1, 2, 1, true), 4),
        // Batch 1 above the split threshold: the split by rows of output channels, band by band.
        "banded-split-rows" => (Geometries.Conv(64, 32, 14, 14, 64, 3, padding: 1), 5),
        // One row panel of output channels: the split by columns of each band.
        "banded-split-columns" => (Geometries.Conv(64, 16, 40, 40, 8, 3, padding: 1), 7),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(BandedConvCases))]
    public void Conv2d_ImagesBeyondTheColumnCap_RunInBandsOfRows_AndMatchReference(string name, int batch, int threads)
    {
        (Conv2dGeometry g, int bandRows) = BandedConv(name);
        long cap = (long)g.InChannels * g.KernelHeight * g.KernelWidth * g.OutWidth * bandRows;
        float[] x = TestArrays.UniformSingle(351, batch * g.InputSize), w = TestArrays.UniformSingle(352, g.WeightSize);
        float[] b = TestArrays.UniformSingle(353, g.OutChannels), dy = TestArrays.UniformSingle(354, batch * g.OutputSize);
        float[][] expected = RunConv(CpuKernels.Reference, 1, g, batch, x, w, b, dy);
        float[][] actual = RunConv(CpuKernels.Fast, threads, g, batch, x, w, b, dy, columnCap: cap, bandRows: bandRows);
        string[] names = ["output", "inputGradient", "weightGradient", "biasGradient"];
        for (int i = 0; i < names.Length; i++) GradientCheck.AssertRelative(expected[i], actual[i], Tolerance, names[i]);

        float[][] again = RunConv(CpuKernels.Fast, threads, g, batch, x, w, b, dy, calls: 2, columnCap: cap, bandRows: bandRows);
        for (int i = 0; i < names.Length; i++) Assert.Equal(actual[i], again[i]);
    }

    [Fact]
    public void Conv2d_ColumnCap_BandsOnlyImagesThatExceedIt()
    {
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        Assert.Equal(224, new FastConv2dOperator(Geometries.Conv(8, 3, 224, 224, 64, 3, padding: 1), h.Backend.Pool).BandRows);  // VGG conv1_1: 27 × 50,176 fits
        Assert.Equal(16, new FastConv2dOperator(Geometries.Conv(8, 64, 224, 224, 64, 3, padding: 1), h.Backend.Pool, winograd: false).BandRows);  // conv1_2: 576 × 50,176 does not; 16 rows of 224 do
        Assert.Equal(1, new FastConv2dOperator(Geometries.Conv(8, 64, 16, 8, 8, 3, padding: 1), h.Backend.Pool, maxColumnFloats: 10).BandRows);  // at least one row
    }

    [Fact]
    public void Conv2d_SplitForward_OnFreshBackends_NeverRacesForTheSharedPackedWeights()
    {
        // The first call on a backend allocates its workspace. The split path's workers pack their own
        // rows of the shared weights, so they once raced to allocate that buffer and multiplied by a
        // half-packed or freed one, now and then (CI saw output[16072] at -0.63 for -11.46). Many fresh
        // backends make that first call many times.
        Conv2dGeometry g = Conv("split-rows");
        const int batch = 2;
        float[] x = TestArrays.UniformSingle(305, batch * g.InputSize), w = TestArrays.UniformSingle(306, g.WeightSize), b = TestArrays.UniformSingle(307, g.OutChannels);
        float[] expected = ForwardOnce(CpuKernels.Reference, 1);
        for (int run = 0; run < 40; run++) GradientCheck.AssertRelative(expected, ForwardOnce(CpuKernels.Fast, 3), Tolerance, $"output of fresh backend {run}");

        float[] ForwardOnce(CpuKernels kernels, int threads)
        {
            using var h = new BackendHarness(kernels, threads);
            // The GEMM's split path, not the rule's wide channel vectors (which pack on the calling thread).
            IConv2dOperator conv = kernels == CpuKernels.Fast ? new FastConv2dOperator(g, h.Backend.Pool, wideChannelVector: false) : h.Backend.CreateConv2d(g);
            Tensor output = h.Stale(batch * g.OutputSize);
            conv.Forward(batch, h.Upload(x), h.Upload(w), h.Upload(b), output);
            return h.Read(output);
        }
    }

    private static float[][] RunConv(CpuKernels kernels, int threads, Conv2dGeometry g, int batch, float[] x, float[] w, float[] b, float[] dy,
        int calls = 1, long columnCap = 0, int bandRows = 0)
    {
        using var h = new BackendHarness(kernels, threads);
        // The GEMM's paths that these cases name, not the rule's wide channel vectors (tested in WideChannelVectorConvolutionTests).
        IConv2dOperator conv = kernels == CpuKernels.Fast ? new FastConv2dOperator(g, h.Backend.Pool, wideChannelVector: false) : h.Backend.CreateConv2d(g);
        if (columnCap > 0)
        {
            var banded = new FastConv2dOperator(g, h.Backend.Pool, columnCap, wideChannelVector: false);
            Assert.Equal(bandRows, banded.BandRows);
            conv = banded;
        }
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b), gradient = h.Upload(dy);
        Tensor output = h.Stale(batch * g.OutputSize), dx = h.Stale(x.Length), dw = h.Stale(w.Length), db = h.Stale(g.OutChannels);
        for (int i = 0; i < calls; i++)
        {
            conv.Forward(batch, input, weight, bias, output);
            conv.Backward(batch, input, weight, gradient, dx, dw, db);
        }
        return [h.Read(output), h.Read(dx), h.Read(dw), h.Read(db)];
    }

    [Theory]
    [InlineData(1, 1030, 130, true, 2)]
    [InlineData(3, 500, 70, true, 2)]
    [InlineData(4, 1030, 130, false, 2)]
    [InlineData(2, 4000, 33, true, 3)]
    [InlineData(1, 7, 3, true, 1)]
    public void Linear_DotProductForward_MatchesReference(int batch, int inFeatures, int outFeatures, bool hasBias, int threads)
    {
        var g = new LinearGeometry(256, inFeatures, outFeatures, hasBias);
        float[] x = TestArrays.UniformSingle(311, batch * inFeatures), w = TestArrays.UniformSingle(312, g.WeightSize), b = TestArrays.UniformSingle(313, outFeatures);
        float[] Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels, threads);
            ILinearOperator linear = h.Backend.CreateLinear(g);
            Tensor output = h.Stale(batch * outFeatures);
            linear.Forward(batch, h.Upload(x), h.Upload(w), hasBias ? h.Upload(b) : default, output);
            return h.Read(output);
        }

        GradientCheck.AssertRelative(Run(CpuKernels.Reference), Run(CpuKernels.Fast), Tolerance, "output");
    }

    [Fact]
    public void DirectConvolution_TakesSmallFirstLayers_AndLeavesTheRestToTheGemm()
    {
        Assert.True(DirectConvolution.Applies(Geometries.Conv(64, 1, 28, 28, 6, 5, padding: 2)));   // LeNet-5 conv1
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 1, 28, 28, 32, 3, padding: 1))); // MNIST conv1: the GEMM is faster
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 6, 14, 14, 16, 5)));             // depth 150
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 1, 28, 28, 6, 5, stride: 2)));
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 2, 9, 9, 4, 3, dilation: 2)));
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 2, 9, 9, 4, 3, groups: 2)));
        Assert.True(DirectConvolution.Applies(Geometries.Conv(64, 3, 10, 21, 6, 1, 5, 1, 1, 0, 2, 1, 1, 1, true)));   // non-square, depth 15
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 3, 10, 21, 6, 1, 5, 1, 2, 0, 2, 1, 1, 1, true)));  // stride 2 along the width only
        Assert.False(DirectConvolution.Applies(Geometries.Conv(64, 3, 10, 21, 6, 5, 1, 1, 1, 2, 0, 2, 1, 1, true)));  // dilation 2 along the height only
    }

    public static TheoryData<PoolKind, int, int, int, int> PoolCases()
    {
        var data = new TheoryData<PoolKind, int, int, int, int>();
        foreach (PoolKind kind in new[] { PoolKind.Max, PoolKind.Average, PoolKind.Sum })
        {
            data.Add(kind, 13, 3, 2, 0); // CIFAR AlexNet's overlapping 3/2 windows
            data.Add(kind, 10, 2, 2, 0); // LeNet's 2×2 average
            data.Add(kind, 9, 3, 2, 1);
            data.Add(kind, 7, 4, 3, 2);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void Pool2d_WindowedPath_MatchesReferenceBitwise(PoolKind kind, int size, int kernel, int stride, int padding)
    {
        Pool2dGeometry g = Geometries.Pool(kind, 8, 3, size, size, kernel, stride, padding);
        float[] x = TestArrays.UniformSingle(321, 8 * g.InputSize), dy = TestArrays.UniformSingle(322, 8 * g.OutputSize);
        x[5] = x[6]; // a tie: the first maximum takes the gradient
        var expected = RunPool(CpuKernels.Reference, g, x, dy);
        var actual = RunPool(CpuKernels.Fast, g, x, dy);
        Assert.Equal(expected.y, actual.y);
        GradientCheck.AssertRelative(expected.dx, actual.dx, Tolerance, "inputGradient");
    }

    public static TheoryData<PoolKind, string> NonSquarePoolCases()
    {
        var data = new TheoryData<PoolKind, string>();
        foreach (PoolKind kind in new[] { PoolKind.Max, PoolKind.Average, PoolKind.Sum })
        {
            data.Add(kind, "k3x2-s2x1-p1x0");
            data.Add(kind, "k1x3-s1x2-p0x1-ceil");
            data.Add(kind, "k3-s2-p1-ceil");
        }
        data.Add(PoolKind.Average, "k3x2-s2x1-p1x0-exclude");
        data.Add(PoolKind.Average, "k1x3-s1x2-p0x1-ceil-exclude");
        data.Add(PoolKind.Average, "k3-s2-p1-ceil-exclude");
        return data;
    }

    private static Pool2dGeometry NonSquarePool(PoolKind kind, string name) => name switch
    {
        "k3x2-s2x1-p1x0" => Geometries.Pool(kind, 6, 3, 9, 12, (3, 2), (2, 1), (1, 0)),
        "k1x3-s1x2-p0x1-ceil" => Geometries.Pool(kind, 6, 3, 9, 12, (1, 3), (1, 2), (0, 1), ceil: true),
        "k3-s2-p1-ceil" => Geometries.Pool(kind, 6, 3, 10, 12, (3, 3), (2, 2), (1, 1), ceil: true),
        "k3x2-s2x1-p1x0-exclude" => Geometries.Pool(kind, 6, 3, 9, 12, (3, 2), (2, 1), (1, 0), countIncludePad: false),
        "k1x3-s1x2-p0x1-ceil-exclude" => Geometries.Pool(kind, 6, 3, 9, 12, (1, 3), (1, 2), (0, 1), ceil: true, countIncludePad: false),
        "k3-s2-p1-ceil-exclude" => Geometries.Pool(kind, 6, 3, 10, 12, (3, 3), (2, 2), (1, 1), ceil: true, countIncludePad: false),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(NonSquarePoolCases))]
    public void Pool2d_NonSquareCeilAndExcludedPadding_MatchReference(PoolKind kind, string name)
    {
        Pool2dGeometry g = NonSquarePool(kind, name);
        float[] x = TestArrays.UniformSingle(341, 6 * g.InputSize), dy = TestArrays.UniformSingle(342, 6 * g.OutputSize);
        var expected = RunPool(CpuKernels.Reference, g, x, dy);
        var actual = RunPool(CpuKernels.Fast, g, x, dy);
        Assert.Equal(expected.y, actual.y);
        GradientCheck.AssertRelative(expected.dx, actual.dx, Tolerance, "inputGradient");
    }

    [Theory]
    [InlineData(PoolKind.Average, 28, 28)] // LeNet's first pool: rows of 14 windows, 8 and a masked 6
    [InlineData(PoolKind.Average, 10, 10)]
    [InlineData(PoolKind.Average, 33, 32)] // 16 windows a row, and an odd last row
    [InlineData(PoolKind.Sum, 9, 35)]      // 17 windows a row, and an odd last column
    [InlineData(PoolKind.Max, 28, 28)]
    public void Pool2x2_SimdPath_MatchesReferenceBitwise(PoolKind kind, int height, int width)
    {
        Pool2dGeometry g = Geometries.Pool(kind, 5, 3, height, width, 2, 2);
        float[] x = TestArrays.UniformSingle(331, 5 * g.InputSize), dy = TestArrays.UniformSingle(332, 5 * g.OutputSize);
        var expected = RunPool(CpuKernels.Reference, g, x, dy);
        var actual = RunPool(CpuKernels.Fast, g, x, dy);
        Assert.Equal(expected.y, actual.y);
        Assert.Equal(expected.dx, actual.dx);
    }

    [Fact]
    public void MaxPool_OverlappingWindowsWithNaNs_MatchReference()
    {
        Pool2dGeometry g = Geometries.Pool(PoolKind.Max, 4, 2, 9, 9, 3, 2);
        float[] x = TestArrays.UniformSingle(331, 4 * g.InputSize), dy = TestArrays.UniformSingle(332, 4 * g.OutputSize);
        x[10] = float.NaN;
        x[2 * 81 + 40] = float.NaN;
        var expected = RunPool(CpuKernels.Reference, g, x, dy);
        var actual = RunPool(CpuKernels.Fast, g, x, dy);
        Assert.Equal(expected.y, actual.y);
        Assert.Equal(expected.dx, actual.dx);
    }

    private static (float[] y, float[] dx) RunPool(CpuKernels kernels, Pool2dGeometry g, float[] x, float[] dy)
    {
        int batch = x.Length / g.InputSize;
        using var h = new BackendHarness(kernels, 2);
        IPool2dOperator pool = h.Backend.CreatePool2d(g);
        Tensor input = h.Upload(x), output = h.Stale(batch * g.OutputSize), dx = h.Stale(x.Length);
        pool.Forward(batch, input, output);
        pool.Backward(batch, input, output, h.Upload(dy), dx);
        return (h.Read(output), h.Read(dx));
    }
}

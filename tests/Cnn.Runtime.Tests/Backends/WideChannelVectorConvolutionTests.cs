using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The wide channel-vector direct convolution (output channels as lanes, blocks of 32, segments of up
/// to fourteen pixels, two rows of a narrow plane at a time) against the double-precision reference
/// convolution: 16, 32, 40, 48, 50, 64 and 80 output channels (whole blocks, a last block of one
/// vector, masked lanes in either), depths up to 1197, planes 6×6, 7×7, 14×14, 15×15 and rows of
/// two segments, padding 0 and 1, a non-square dilated kernel, strides 2 and (2, 1), a 1×1 stride 2, no bias; forced onto the path at
/// batch 1 (the image shared among workers by blocks or by rows) and 3, on one and two workers.
/// The fused epilogue and pool over this path are in <see cref="FusedOperatorTests"/> (the "wide-…" cases).
/// </summary>
public class WideChannelVectorConvolutionTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string name in new[] { "16-6x6-pad1", "32-7x7-pad1", "48-14x14-pad1", "64-15x15-pad0", "80-6x6-depth1197", "40-dilated-non-square", "50-9x9-no-bias", "33-3x28-two-segments", "64-1x1-rows", "64-stride2-7x7", "48-stride2-14x15", "32-stride2-dilated", "64-1x1-stride2" })
        foreach (int batch in new[] { 1, 3 })
        foreach (int threads in new[] { 1, 2 })
            data.Add(name, batch, threads);
        return data;
    }

    private static Conv2dGeometry Conv(string name) => name switch
    {
        // One vector per block (16 channels), two-row segments of a 6×6 plane.
        "16-6x6-pad1" => Geometries.Conv(8, 20, 6, 6, 16, 3, padding: 1),
        // Three two-row segments and a last single row of 7.
        "32-7x7-pad1" => Geometries.Conv(8, 24, 7, 7, 32, 3, padding: 1),
        // Blocks of 32 and 16; a 14-pixel segment per row.
        "48-14x14-pad1" => Geometries.Conv(8, 16, 14, 14, 48, 3, padding: 1),
        // Rows of 15 outputs: segments of 8 and 7; read in place; batch 1 shares out the two blocks.
        "64-15x15-pad0" => Geometries.Conv(8, 32, 17, 17, 64, 3),
        // Depth 133·9 = 1197; blocks 32, 32, 16; batch 1 shares out pairs of rows (three blocks do not halve).
        "80-6x6-depth1197" => Geometries.Conv(8, 133, 6, 6, 80, 3, padding: 1),
        // Kernel (3, 2), padding (1, 0), dilation (2, 1): 40 = 32 + 8 masked lanes of a one-vector block.
        "40-dilated-non-square" => Geometries.Conv(8, 5, 12, 17, 40, 3, 2, 1, 1, 1, 0, 2, 1, 1, true),
        // 50 = 32 + 18: a two-vector block with 14 lanes masked; 9 wide: one-row segments.
        "50-9x9-no-bias" => Geometries.Conv(8, 6, 9, 9, 50, 3, padding: 1, bias: false),
        // 3 rows of 28: two 14-pixel segments per row; 33 = 32 + 1.
        "33-3x28-two-segments" => Geometries.Conv(8, 4, 5, 30, 33, 3),
        // A 1×1 plane (one-row segments of one pixel, nothing to pair).
        "64-1x1-rows" => Geometries.Conv(8, 64, 3, 3, 64, 3),
        // Stride 2 (ResNet-18's downsampling 3×3): 14×14 → 7×7 in two-row segments, batch 1 shares out the two blocks.
        "64-stride2-7x7" => Geometries.Conv(8, 16, 14, 14, 64, 3, stride: 2, padding: 1),
        // Stride 2 unpadded, read in place: 14 rows of 15 (segments of 8 and 7); 48 = 32 + 16.
        "48-stride2-14x15" => Geometries.Conv(8, 8, 29, 31, 48, 3, stride: 2),
        // Strides (2, 1), kernel (3, 2), padding (2, 1), dilation (1, 2).
        "32-stride2-dilated" => Geometries.Conv(8, 6, 13, 11, 32, 3, 2, 2, 1, 2, 1, 1, 2, 1, true),
        // A 1×1 stride-2 shortcut (ResNet-18's downsample): 15×15 → 8×8, unpadded, read in place.
        "64-1x1-stride2" => Geometries.Conv(8, 48, 15, 15, 64, 1, stride: 2),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void WideChannelVectorConvolution_MatchesTheReferenceInDouble(string name, int batch, int threads)
    {
        Conv2dGeometry g = Conv(name);
        if (!WideChannelVectorConvolution.Applies(g)) return; // AVX-512 only; elsewhere the GEMM serves
        float[] x = TestArrays.UniformSingle(541, batch * g.InputSize), w = TestArrays.UniformSingle(542, g.WeightSize), b = TestArrays.UniformSingle(543, g.OutChannels);
        double[] expected = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), g.HasBias ? TestArrays.ToDouble(b) : default, expected);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, wideChannelVector: true);
        Assert.True(conv.UsesWideChannelVector(batch));
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = g.HasBias ? h.Upload(b) : default, output = h.Stale(batch * g.OutputSize);
        conv.Forward(batch, input, weight, bias, output);
        float[] first = h.Read(output);
        GradientCheck.AssertRelative(TestArrays.ToSingle(expected), first, Tolerance, "output");

        // Again with the same weights (now kept packed), and once more: bitwise the same.
        for (int call = 0; call < 2; call++)
        {
            conv.Forward(batch, input, weight, bias, output);
            Assert.Equal(first, h.Read(output));
        }
    }

    [Fact]
    public void WideChannelVectorConvolution_RepacksWeightsThatChanged()
    {
        Conv2dGeometry g = Conv("48-14x14-pad1");
        if (!WideChannelVectorConvolution.Applies(g)) return; // AVX-512 only
        const int batch = 2;
        float[] x = TestArrays.UniformSingle(551, batch * g.InputSize), w = TestArrays.UniformSingle(552, g.WeightSize), b = TestArrays.UniformSingle(553, g.OutChannels);
        float[] w2 = TestArrays.UniformSingle(554, g.WeightSize);
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, wideChannelVector: true);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b), output = h.Stale(batch * g.OutputSize);
        conv.Forward(batch, input, weight, bias, output);
        conv.Forward(batch, input, weight, bias, output);

        // New values in the same tensor: the kept packed copy must not serve them.
        h.Backend.Upload(w2, weight);
        conv.Forward(batch, input, weight, bias, output);
        double[] expected = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w2), TestArrays.ToDouble(b), expected);
        GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output), Tolerance, "output after the weights changed");
    }

    /// <summary>The gradients keep their paths (im2col, or Winograd at its batches) on an operator whose forward pass is wide.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void WideChannelVectorConvolution_BackwardStillMatchesTheReference(int batch)
    {
        Conv2dGeometry g = Conv("48-14x14-pad1");
        if (!WideChannelVectorConvolution.Applies(g)) return; // AVX-512 only
        float[] x = TestArrays.UniformSingle(561, batch * g.InputSize), w = TestArrays.UniformSingle(562, g.WeightSize), dy = TestArrays.UniformSingle(563, batch * g.OutputSize);
        double[] dx = new double[batch * g.InputSize], dw = new double[g.WeightSize], db = new double[g.OutChannels];
        Conv2dReference.Backward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(dy), dx, dw, db);
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, wideChannelVector: true);
        Tensor input = h.Upload(x), weight = h.Upload(w), inputGrad = h.Stale(batch * g.InputSize), weightGrad = h.Stale(g.WeightSize), biasGrad = h.Stale(g.OutChannels);
        conv.Backward(batch, input, weight, h.Upload(dy), inputGrad, weightGrad, biasGrad);
        GradientCheck.AssertRelative(TestArrays.ToSingle(dx), h.Read(inputGrad), Tolerance, "input gradient");
        GradientCheck.AssertRelative(TestArrays.ToSingle(dw), h.Read(weightGrad), Tolerance, "weight gradient");
        GradientCheck.AssertRelative(TestArrays.ToSingle(db), h.Read(biasGrad), Tolerance, "bias gradient");
    }

    [Fact]
    public void WideChannelVectorConvolution_Rule_TakesWideLayersBelowWinogradsBatches()
    {
        if (!WideChannelVectorConvolution.Applies(Conv("48-14x14-pad1"))) return; // AVX-512 only
        Assert.True(WideChannelVectorConvolution.Preferred(Geometries.Conv(256, 32, 14, 14, 64, 3, padding: 1)));   // the MNIST net's conv2
        Assert.True(WideChannelVectorConvolution.Preferred(Geometries.Conv(256, 64, 15, 15, 192, 4, padding: 1)));  // AlexNet-like 4×4
        Assert.False(WideChannelVectorConvolution.Preferred(Geometries.Conv(256, 1, 28, 28, 32, 3, padding: 1)));   // the MNIST net's conv1: depth 9, the GEMM
        Assert.True(WideChannelVectorConvolution.Preferred(Geometries.Conv(256, 3, 32, 32, 64, 4, padding: 1)));    // AlexNet-like conv1: depth 48
        Assert.False(WideChannelVectorConvolution.Preferred(Geometries.Conv(64, 6, 14, 14, 16, 5)));                // 16 channels: ChannelVectorConvolution
        Assert.False(WideChannelVectorConvolution.Preferred(Geometries.Conv(64, 20, 14, 14, 24, 3, padding: 1)));   // 24 channels: not measured, the GEMM
        Assert.False(WideChannelVectorConvolution.Preferred(Geometries.Conv(64, 64, 14, 14, 64, 1)));               // pointwise: the GEMM reads it in place
        Assert.True(WideChannelVectorConvolution.Preferred(Geometries.Conv(64, 64, 56, 56, 128, 1, stride: 2)));    // ResNet-18's 1×1 stride-2 shortcut
        Assert.False(WideChannelVectorConvolution.Preferred(Geometries.Conv(64, 64, 14, 14, 64, 3, stride: 3, padding: 1)));
        Assert.False(WideChannelVectorConvolution.Preferred(Geometries.Conv(64, 64, 14, 14, 64, 3, padding: 1, groups: 2)));

        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var mnist = new FastConv2dOperator(Geometries.Conv(256, 32, 14, 14, 64, 3, padding: 1), h.Backend.Pool);
        Assert.True(mnist.UsesWideChannelVector(1) && mnist.UsesWideChannelVector(256));                          // Winograd does not take 32 input channels
        var alex = new FastConv2dOperator(Geometries.Conv(256, 192, 6, 6, 384, 3, padding: 1), h.Backend.Pool);
        int from = WinogradConvolution.MinBatch(Geometries.Conv(256, 192, 6, 6, 384, 3, padding: 1));
        Assert.True(alex.UsesWideChannelVector(from - 1));
        Assert.False(alex.UsesWideChannelVector(from));                                                             // Winograd's batches stay Winograd's
        Assert.True(alex.UsesWinograd(from));
        Assert.False(new FastConv2dOperator(Geometries.Conv(256, 32, 14, 14, 64, 3, padding: 1), h.Backend.Pool, wideChannelVector: false).UsesWideChannelVector(1));

        // A 1×1 strided layer: wide only while the image is shared among the workers (here 2), the GEMM from then on.
        var shortcut = new FastConv2dOperator(Geometries.Conv(4, 64, 56, 56, 128, 1, stride: 2), h.Backend.Pool);
        Assert.True(shortcut.UsesWideChannelVector(1));
        Assert.False(shortcut.UsesWideChannelVector(2) || shortcut.UsesWideChannelVector(4));
        Assert.True(new FastConv2dOperator(Geometries.Conv(4, 64, 56, 56, 128, 1, stride: 2), h.Backend.Pool, wideChannelVector: true).UsesWideChannelVector(4));
        Assert.Throws<ArgumentException>(() => new FastConv2dOperator(Geometries.Conv(64, 64, 14, 14, 64, 3, stride: 3, padding: 1), h.Backend.Pool, wideChannelVector: true));
    }
}

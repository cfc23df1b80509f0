using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The channel-vector direct convolution (output channels as the lanes of one 512-bit vector)
/// against the double-precision reference convolution: LeNet-5's conv2 and geometries that reach
/// every part of it (1, 6, 9, 12 and 16 output channels, padding 0, 1 and 2, rows of more than one
/// segment and odd planes, a non-square kernel with dilation, no bias), forced onto the path, on
/// one and two workers; and which convolutions its rule takes. The fused epilogue and pool over this
/// path are in <see cref="FusedOperatorTests"/> (the "channel-vector" cases).
/// </summary>
public class ChannelVectorConvolutionTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string name in new[] { "lenet-conv2", "12-pad1-odd", "6-pad2", "16-pad2-two-segments", "9-dilated-non-square", "1-channel", "16-pointwise-three-segments", "16-no-bias" })
        foreach (int batch in new[] { 1, 3 })
        foreach (int threads in new[] { 1, 2 })
            data.Add(name, batch, threads);
        return data;
    }

    private static Conv2dGeometry Conv(string name) => name switch
    {
        // LeNet-5's conv2: 6→16, 5×5 on 14×14, depth 150, 10×10 outputs (one segment of 10 per row).
        "lenet-conv2" => Geometries.Conv(8, 6, 14, 14, 16, 5),
        // 13 outputs per row, 9 rows, 12 of the 16 lanes stored.
        "12-pad1-odd" => Geometries.Conv(8, 5, 9, 13, 12, 3, padding: 1),
        // 6 channels (below the rule's minimum, forced) with padding 2: 13×9 outputs.
        "6-pad2" => Geometries.Conv(8, 4, 11, 7, 6, 3, padding: 2),
        // 19 outputs per row: segments of 16 and 3.
        "16-pad2-two-segments" => Geometries.Conv(8, 2, 11, 19, 16, 5, padding: 2),
        // Kernel (3, 2), padding (1, 0), dilation (2, 1): the taps alone move.
        "9-dilated-non-square" => Geometries.Conv(8, 3, 12, 17, 9, 3, 2, 1, 1, 1, 0, 2, 1, 1, true),
        "1-channel" => Geometries.Conv(8, 8, 6, 5, 1, 3),
        // A 1×1 convolution on rows of 33: segments of 16, 16 and 1, read in place.
        "16-pointwise-three-segments" => Geometries.Conv(8, 7, 4, 33, 16, 1),
        "16-no-bias" => Geometries.Conv(8, 6, 14, 14, 16, 5, bias: false),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChannelVectorConvolution_MatchesTheReferenceInDouble(string name, int batch, int threads)
    {
        Conv2dGeometry g = Conv(name);
        if (!ChannelVectorConvolution.Applies(g)) return; // AVX-512 only; elsewhere the GEMM serves
        float[] x = TestArrays.UniformSingle(501, batch * g.InputSize), w = TestArrays.UniformSingle(502, g.WeightSize), b = TestArrays.UniformSingle(503, g.OutChannels);
        double[] expected = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), g.HasBias ? TestArrays.ToDouble(b) : default, expected);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, channelVector: true);
        Assert.True(conv.UsesChannelVector);
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

    public static TheoryData<string, int, int, bool> GradientCases()
    {
        var data = new TheoryData<string, int, int, bool>();
        foreach (string name in new[] { "lenet-conv2", "12-pad1-odd", "6-pad2", "16-pad2-two-segments", "9-dilated-non-square", "16-no-bias" })
        foreach (int batch in new[] { 1, 3 })
        foreach (int threads in new[] { 1, 2 })
        foreach (bool inputGradient in new[] { false, true })
            data.Add(name, batch, threads, inputGradient);
        return data;
    }

    /// <summary>
    /// The weight and bias gradients of the path (channel vectors) against the reference backward in
    /// double, with and without the input gradient (still im2col), into stale buffers; then again
    /// with no bias gradient asked for.
    /// </summary>
    [Theory]
    [MemberData(nameof(GradientCases))]
    public void ChannelVectorConvolution_WeightGradient_MatchesTheReferenceInDouble(string name, int batch, int threads, bool inputGradient)
    {
        Conv2dGeometry g = Conv(name);
        if (!ChannelVectorConvolution.Applies(g)) return; // AVX-512 only; elsewhere the GEMM serves
        float[] x = TestArrays.UniformSingle(521, batch * g.InputSize), w = TestArrays.UniformSingle(522, g.WeightSize), dy = TestArrays.UniformSingle(523, batch * g.OutputSize);
        double[] dx = new double[batch * g.InputSize], dw = new double[g.WeightSize], db = new double[g.OutChannels];
        Conv2dReference.Backward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(dy), dx, dw, g.HasBias ? db : default);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, channelVector: true);
        Assert.True(conv.UsesChannelVector);
        Tensor input = h.Upload(x), weight = h.Upload(w), outputGradient = h.Upload(dy);
        Tensor inputGrad = inputGradient ? h.Stale(batch * g.InputSize) : default, weightGrad = h.Stale(g.WeightSize), biasGrad = g.HasBias ? h.Stale(g.OutChannels) : default;
        conv.Backward(batch, input, weight, outputGradient, inputGrad, weightGrad, biasGrad);
        GradientCheck.AssertRelative(TestArrays.ToSingle(dw), h.Read(weightGrad), Tolerance, "weight gradient");
        if (g.HasBias) GradientCheck.AssertRelative(TestArrays.ToSingle(db), h.Read(biasGrad), Tolerance, "bias gradient");
        if (inputGradient) GradientCheck.AssertRelative(TestArrays.ToSingle(dx), h.Read(inputGrad), Tolerance, "input gradient");

        if (!g.HasBias) return;
        Tensor weightGrad2 = h.Stale(g.WeightSize);
        conv.Backward(batch, input, weight, outputGradient, inputGrad, weightGrad2, default);
        GradientCheck.AssertRelative(TestArrays.ToSingle(dw), h.Read(weightGrad2), Tolerance, "weight gradient without the bias gradient");
    }

    /// <summary>The kernel itself with accumulate on: the gradients add to what the buffers held (hand-set values), weight and bias alone.</summary>
    [Theory]
    [InlineData("lenet-conv2", 2)]
    [InlineData("12-pad1-odd", 3)]
    [InlineData("9-dilated-non-square", 1)]
    public unsafe void ChannelVectorConvolution_WeightGradient_Accumulates(string name, int batch)
    {
        Conv2dGeometry g = Conv(name);
        if (!ChannelVectorConvolution.Applies(g)) return; // AVX-512 only
        float[] x = TestArrays.UniformSingle(531, batch * g.InputSize), dy = TestArrays.UniformSingle(533, batch * g.OutputSize);
        double[] dx = new double[batch * g.InputSize], dw = new double[g.WeightSize], db = new double[g.OutChannels];
        Conv2dReference.Backward<double>(g, batch, TestArrays.ToDouble(x), new double[g.WeightSize], TestArrays.ToDouble(dy), default, dw, db);

        var kernel = new ChannelVectorConvolution(g);
        float[] weightGradient = Enumerable.Range(0, g.WeightSize).Select(i => 0.25f * (i % 5)).ToArray();
        float[] biasGradient = Enumerable.Range(0, g.OutChannels).Select(i => -0.5f * i).ToArray();
        float[] expectedW = weightGradient.Select((v, i) => (float)(v + dw[i])).ToArray(), expectedB = biasGradient.Select((v, i) => (float)(v + db[i])).ToArray();
        float[] scratch = new float[ChannelVectorConvolution.GradientScratchSize(g)], padded = new float[Math.Max(1, ChannelVectorConvolution.PaddedSize(g))];
        float[] stale = Enumerable.Repeat(3f, g.WeightSize).ToArray();
        fixed (float* px = x, pdy = dy, pw = weightGradient, pb = biasGradient, ps = scratch, pp = padded, pstale = stale)
        {
            kernel.WeightGradient(batch, px, pdy, pw, pb, accumulate: true, ps, pp);
            kernel.WeightGradient(batch, px, pdy, pstale, null, accumulate: false, ps, pp);
        }
        GradientCheck.AssertRelative(expectedW, weightGradient, Tolerance, "accumulated weight gradient");
        GradientCheck.AssertRelative(expectedB, biasGradient, Tolerance, "accumulated bias gradient");
        GradientCheck.AssertRelative(TestArrays.ToSingle(dw), stale, Tolerance, "overwritten weight gradient");
    }

    [Fact]
    public void ChannelVectorConvolution_RepacksWeightsThatChanged()
    {
        Conv2dGeometry g = Conv("lenet-conv2");
        if (!ChannelVectorConvolution.Applies(g)) return; // AVX-512 only; elsewhere the GEMM serves
        const int batch = 2;
        float[] x = TestArrays.UniformSingle(511, batch * g.InputSize), w = TestArrays.UniformSingle(512, g.WeightSize), b = TestArrays.UniformSingle(513, g.OutChannels);
        float[] w2 = TestArrays.UniformSingle(514, g.WeightSize);
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, channelVector: true);
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

    [Fact]
    public void ChannelVectorConvolution_Rule_TakesNineToSixteenChannelsThatTheFirstLayerPathLeaves()
    {
        if (!ChannelVectorConvolution.Applies(Conv("lenet-conv2"))) return; // AVX-512 only
        Assert.True(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 6, 14, 14, 16, 5)));               // LeNet-5 conv2
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 1, 28, 28, 6, 5, padding: 2)));   // LeNet-5 conv1: DirectConvolution
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 4, 11, 7, 6, 3, padding: 2)));    // 6 of 16 lanes: the GEMM
        Assert.True(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 5, 9, 13, 12, 3, padding: 1)));
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 6, 14, 14, 17, 5)));              // more channels than lanes
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 6, 14, 14, 16, 5, stride: 2)));
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 6, 14, 14, 16, 5, groups: 2)));
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 64, 14, 14, 16, 3, padding: 1))); // depth 576
        Assert.False(ChannelVectorConvolution.Preferred(Geometries.Conv(64, 192, 28, 28, 16, 1)));              // pointwise: the GEMM reads it in place
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        Assert.True(new FastConv2dOperator(Geometries.Conv(64, 6, 14, 14, 16, 5), h.Backend.Pool).UsesChannelVector);
        Assert.False(new FastConv2dOperator(Geometries.Conv(64, 6, 14, 14, 16, 5), h.Backend.Pool, channelVector: false).UsesChannelVector);
        Assert.Throws<ArgumentException>(() => new FastConv2dOperator(Geometries.Conv(64, 6, 14, 14, 16, 5, stride: 2), h.Backend.Pool, channelVector: true));
    }
}

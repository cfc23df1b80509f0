using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The weight gradient with output channels as lanes (<see cref="ChannelLanesWeightGradient"/>)
/// through <see cref="FastConv2dOperator"/> against the double-precision reference backward: the
/// CIFAR AlexNet-like 64→192 4×4 layer and geometries with odd planes, padding on one side only,
/// a 2×4 and a 4×8 kernel, 96 channels (two register blocks), no bias; batch 1 and 3, one and two
/// workers, with and without the input gradient (still im2col); the same bits on a second call;
/// and which convolutions the rule routes there.
/// </summary>
public class ChannelLanesWeightGradientTests
{
    private const double Tolerance = 1e-5;

    private static Conv2dGeometry Conv(string name) => name switch
    {
        // The CIFAR AlexNet-like conv2: 64→192, 4×4, padding 1, 15×15 → 14×14.
        "alex-conv2" => Geometries.Conv(8, 64, 15, 15, 192, 4, padding: 1),
        // 7×11 → 6×10 outputs (rows of 10, a plane of 60 that is not a multiple of 8), two blocks of 48.
        "96-pad1-odd" => Geometries.Conv(8, 3, 7, 11, 96, 4, padding: 1),
        // Kernel (2, 4), padding (0, 2): 5×9 → 4×10.
        "48-2x4-pad-width" => Geometries.Conv(8, 2, 5, 9, 48, 2, 4, 1, 1, 0, 2, 1, 1, 1, true),
        // Kernel (4, 8), no padding, no bias: 6×13 → 3×6.
        "48-4x8-no-bias" => Geometries.Conv(8, 3, 6, 13, 48, 4, 8, 1, 1, 0, 0, 1, 1, 1, false),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, int, int, bool> Cases()
    {
        var data = new TheoryData<string, int, int, bool>();
        foreach (string name in new[] { "96-pad1-odd", "48-2x4-pad-width", "48-4x8-no-bias" })
        foreach (int batch in new[] { 1, 3 })
        foreach (int threads in new[] { 1, 2 })
        foreach (bool inputGradient in new[] { false, true })
            data.Add(name, batch, threads, inputGradient);
        data.Add("alex-conv2", 3, 2, true);
        data.Add("alex-conv2", 1, 1, false);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChannelLanesWeightGradient_MatchesTheReferenceInDouble(string name, int batch, int threads, bool inputGradient)
    {
        Conv2dGeometry g = Conv(name);
        if (!ChannelLanesWeightGradient.Applies(g)) return; // AVX-512 only; elsewhere im2col and the GEMM serve
        float[] x = TestArrays.UniformSingle(541, batch * g.InputSize), w = TestArrays.UniformSingle(542, g.WeightSize), dy = TestArrays.UniformSingle(543, batch * g.OutputSize);
        double[] dx = new double[batch * g.InputSize], dw = new double[g.WeightSize], db = new double[g.OutChannels];
        Conv2dReference.Backward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(dy), dx, dw, g.HasBias ? db : default);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, winograd: false);
        Assert.True(conv.UsesChannelLanesWeightGradient);
        Tensor input = h.Upload(x), weight = h.Upload(w), outputGradient = h.Upload(dy);
        Tensor inputGrad = inputGradient ? h.Stale(batch * g.InputSize) : default, weightGrad = h.Stale(g.WeightSize), biasGrad = g.HasBias ? h.Stale(g.OutChannels) : default;
        conv.Backward(batch, input, weight, outputGradient, inputGrad, weightGrad, biasGrad);
        float[] first = h.Read(weightGrad);
        GradientCheck.AssertRelative(TestArrays.ToSingle(dw), first, Tolerance, "weight gradient");
        if (g.HasBias) GradientCheck.AssertRelative(TestArrays.ToSingle(db), h.Read(biasGrad), Tolerance, "bias gradient");
        if (inputGradient) GradientCheck.AssertRelative(TestArrays.ToSingle(dx), h.Read(inputGrad), Tolerance, "input gradient");

        // Again into a stale buffer, without the bias gradient: the same bits.
        Tensor weightGrad2 = h.Stale(g.WeightSize);
        conv.Backward(batch, input, weight, outputGradient, inputGrad, weightGrad2, default);
        Assert.Equal(first, h.Read(weightGrad2));
    }

    [Fact]
    public void ChannelLanesWeightGradient_Rule()
    {
        if (!ChannelLanesWeightGradient.Applies(Conv("alex-conv2"))) return;
        Assert.False(ChannelLanesWeightGradient.Applies(Geometries.Conv(8, 64, 15, 15, 64, 4, padding: 1)));               // 64 channels: not whole blocks of 48
        Assert.False(ChannelLanesWeightGradient.Applies(Geometries.Conv(8, 64, 15, 15, 192, 3, padding: 1)));              // width 3
        Assert.False(ChannelLanesWeightGradient.Applies(Geometries.Conv(8, 64, 15, 15, 192, 4, stride: 2, padding: 1)));   // stride 2
        Assert.False(ChannelLanesWeightGradient.Applies(Geometries.Conv(8, 64, 15, 15, 192, 4, padding: 1, groups: 2)));   // groups
        Assert.False(ChannelLanesWeightGradient.Applies(Geometries.Conv(8, 64, 15, 15, 192, 4, padding: 2, dilation: 2))); // dilation
        using var h = new BackendHarness(CpuKernels.Fast, 1);
        Assert.True(new FastConv2dOperator(Conv("alex-conv2"), h.Backend.Pool).UsesChannelLanesWeightGradient);
        Assert.False(new FastConv2dOperator(Conv("alex-conv2"), h.Backend.Pool, channelLanesWeightGradient: false).UsesChannelLanesWeightGradient);
    }
}

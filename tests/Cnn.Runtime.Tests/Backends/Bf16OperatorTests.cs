using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// Convolutions and linear layers on a bf16 backend against the reference kernels, on inputs,
/// weights and output gradients already rounded to bf16: every product is then exact in both, and
/// only the order of the fp32 sums differs, so forward, input, weight and bias gradients must agree
/// as closely as the fast fp32 kernels do. This checks how the operators feed the bf16 GEMM
/// (packed-weight sizes and offsets, transposes, worker splits); <see cref="Bf16GemmTests"/> checks the GEMM.
/// </summary>
public class Bf16OperatorTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, int> ConvCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "odd", "stride2-padding1", "dilation2", "groups2", "pointwise", "mnist-conv2", "lenet-conv2", "wide", "deep" })
        foreach (int batch in new[] { 1, 7, 64 })
            data.Add(name, batch);
        return data;
    }

    private static Conv2dGeometry Conv(string name, int batch) => name switch
    {
        "odd" => Geometries.Conv(batch, 3, 9, 11, 5, 3),
        "stride2-padding1" => Geometries.Conv(batch, 4, 10, 9, 6, 3, stride: 2, padding: 1),
        "dilation2" => Geometries.Conv(batch, 3, 11, 10, 4, 3, padding: 2, dilation: 2),
        "groups2" => Geometries.Conv(batch, 4, 8, 7, 6, 3, padding: 1, groups: 2),
        "pointwise" => Geometries.Conv(batch, 6, 5, 7, 9, 1),
        "mnist-conv2" => Geometries.Conv(batch, 32, 14, 14, 64, 3, padding: 1),
        "lenet-conv2" => Geometries.Conv(batch, 6, 14, 14, 16, 5), // the channel-vector path on fp32; im2col in bf16
        "wide" => Geometries.Conv(batch, 16, 13, 12, 40, 3, padding: 1),
        "deep" => Geometries.Conv(batch, 48, 7, 6, 30, 3, padding: 1), // depth 432: two depth blocks
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_InBf16_MatchesReferenceOnBf16Values(string name, int batch)
    {
        if (!Bf16Kernel.IsSupported) return; // Bf16GemmTests checks the refusal
        Conv2dGeometry g = Conv(name, batch) with { MaxBatch = 64 };
        float[] x = Rounded(81, batch * g.InputSize), w = Rounded(82, g.WeightSize), b = Rounded(83, g.OutChannels), dy = Rounded(84, batch * g.OutputSize);
        float[][] expected = RunConv(CpuKernels.Reference, MatrixPrecision.Single, g, batch, x, w, b, dy);
        float[][] actual = RunConv(CpuKernels.Fast, MatrixPrecision.BFloat16, g, batch, x, w, b, dy);
        AssertMatches(expected, actual);
    }

    public static TheoryData<int, int, int> LinearCases() => new() { { 7, 37, 19 }, { 64, 300, 70 }, { 64, 500, 10 }, { 33, 3136, 128 } };

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void Linear_InBf16_MatchesReferenceOnBf16Values(int batch, int inFeatures, int outFeatures)
    {
        if (!Bf16Kernel.IsSupported) return;
        var g = new LinearGeometry(64, inFeatures, outFeatures, true);
        float[] x = Rounded(91, batch * inFeatures), w = Rounded(92, g.WeightSize), b = Rounded(93, outFeatures), dy = Rounded(94, batch * outFeatures);
        AssertMatches(RunLinear(CpuKernels.Reference, MatrixPrecision.Single, g, batch, x, w, b, dy), RunLinear(CpuKernels.Fast, MatrixPrecision.BFloat16, g, batch, x, w, b, dy));
    }

    private static float[] Rounded(ulong seed, int length) =>
        Array.ConvertAll(TestArrays.UniformSingle(seed, length), v => BFloat16.ToSingle(BFloat16.Round(v)));

    [Fact]
    public void FastConv2dOperator_OnBf16_RefusesTheFp32OnlyPaths()
    {
        if (!Bf16Kernel.IsSupported) return; // Bf16GemmTests checks the refusal
        using var h = new BackendHarness(CpuKernels.Fast, precision: MatrixPrecision.BFloat16);
        Conv2dGeometry g = Geometries.Conv(64, 6, 14, 14, 16, 5);
        Assert.Equal("winograd", Assert.Throws<ArgumentException>(() => new FastConv2dOperator(Geometries.Conv(64, 8, 10, 10, 8, 3, padding: 1), h.Backend.Pool, winograd: true)).ParamName);
        Assert.Equal("channelVector", Assert.Throws<ArgumentException>(() => new FastConv2dOperator(g, h.Backend.Pool, channelVector: true)).ParamName);
        Assert.False(new FastConv2dOperator(g, h.Backend.Pool).UsesChannelVector);
    }

    private static float[][] RunConv(CpuKernels kernels, MatrixPrecision precision, Conv2dGeometry g, int batch, float[] x, float[] w, float[] b, float[] dy)
    {
        using var h = new BackendHarness(kernels, precision: precision);
        IConv2dOperator conv = h.Backend.CreateConv2d(g);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b), output = h.Stale(batch * g.OutputSize);
        Tensor dx = h.Stale(x.Length), dw = h.Stale(w.Length), db = h.Stale(g.OutChannels);
        // Three times: the third forward pass reads the weights kept packed since the second (PackedWeightCache).
        conv.Forward(batch, input, weight, bias, output);
        conv.Forward(batch, input, weight, bias, output);
        conv.Forward(batch, input, weight, bias, output);
        conv.Backward(batch, input, weight, h.Upload(dy), dx, dw, db);
        return [h.Read(output), h.Read(dx), h.Read(dw), h.Read(db)];
    }

    private static float[][] RunLinear(CpuKernels kernels, MatrixPrecision precision, LinearGeometry g, int batch, float[] x, float[] w, float[] b, float[] dy)
    {
        using var h = new BackendHarness(kernels, precision: precision);
        ILinearOperator linear = h.Backend.CreateLinear(g);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b), output = h.Stale(batch * g.OutFeatures);
        Tensor dx = h.Stale(x.Length), dw = h.Stale(w.Length), db = h.Stale(g.OutFeatures);
        linear.Forward(batch, input, weight, bias, output);
        linear.Backward(batch, input, weight, h.Upload(dy), dx, dw, db);
        return [h.Read(output), h.Read(dx), h.Read(dw), h.Read(db)];
    }

    private static void AssertMatches(float[][] expected, float[][] actual)
    {
        string[] names = ["output", "inputGradient", "weightGradient", "biasGradient"];
        for (int i = 0; i < names.Length; i++) GradientCheck.AssertRelative(expected[i], actual[i], Tolerance, names[i]);
    }
}

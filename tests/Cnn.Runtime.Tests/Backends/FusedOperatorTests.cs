using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// Fused convolution and linear steps (bias, batch norm in evaluation form, activation in one pass)
/// against an independent double-precision reference: the reference convolution, PyTorch's
/// evaluation-mode batch norm formula, then the reference activation. Both the fast kernels, on every
/// forward path (chunked, banded, split batch-1, direct first layer, channel-vector, pointwise, grouped), and the
/// sequential form that other backends get are checked.
/// </summary>
public class FusedOperatorTests
{
    private const double Tolerance = 2e-4;

    public static TheoryData<string, string, int, int> ConvCases()
    {
        var data = new TheoryData<string, string, int, int>();
        foreach (string path in new[] { "chunks", "split-rows", "split-columns", "direct", "channel-vector", "wide-blocks", "wide-rows", "pointwise", "groups", "banded", "winograd" })
        foreach (string epilogue in new[] { "relu", "bn", "bn-relu", "leaky", "tanh", "sigmoid", "silu", "gelu", "bn-nobias-relu" })
            data.Add(path, epilogue, path.StartsWith("split", StringComparison.Ordinal) ? 1 : 5, 2);
        data.Add("wide-blocks", "bn-relu", 1, 2);
        data.Add("wide-rows", "bn-relu", 1, 2);
        data.Add("chunks", "bn-relu", 64, 3);
        data.Add("split-rows", "bn-relu", 1, 3);
        data.Add("winograd", "bn-relu", 1, 2);
        data.Add("winograd", "silu", 64, 3);
        return data;
    }

    private static Conv2dGeometry Conv(string path, bool bias) => path switch
    {
        "chunks" => Geometries.Conv(64, 12, 8, 8, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        "split-rows" => Geometries.Conv(64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        "split-columns" => Geometries.Conv(64, 16, 40, 40, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        "direct" => Geometries.Conv(64, 3, 10, 21, 6, 1, 5, 1, 1, 0, 2, 1, 1, 1, bias),
        // LeNet-5's conv2, which the rule gives ChannelVectorConvolution where AVX-512 is (else the GEMM).
        "channel-vector" => Geometries.Conv(64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1, bias),
        // WideChannelVectorConvolution: two blocks of 32 on 14×14 (batch 1 shares out the blocks), and 32 + 32 + 16 on 7×7 (batch 1 shares out rows).
        "wide-blocks" => Geometries.Conv(64, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        "wide-rows" => Geometries.Conv(64, 40, 7, 7, 80, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        "pointwise" => Geometries.Conv(64, 16, 7, 9, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1, bias),
        "groups" => Geometries.Conv(64, 8, 9, 9, 12, 3, 3, 2, 2, 1, 1, 1, 1, 2, bias),
        "banded" => Geometries.Conv(64, 8, 13, 11, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        "winograd" => Geometries.Conv(64, 20, 11, 13, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, bias),
        _ => throw new ArgumentException(path),
    };

    private static Epilogue EpilogueOf(string name, Conv2dGeometry g)
    {
        var norm = new BatchNormGeometry(g.MaxBatch, g.OutChannels, g.OutHeight * g.OutWidth, 1e-3f, 0.1f);
        ActivationGeometry Activation(ActivationKind kind, float slope = 0.01f) => new(kind, g.MaxBatch, g.OutputSize, slope);
        return name switch
        {
            "relu" => new Epilogue(Activation: Activation(ActivationKind.ReLU)),
            "bn" => new Epilogue(BatchNorm: norm),
            "bn-relu" or "bn-nobias-relu" => new Epilogue(norm, Activation(ActivationKind.ReLU)),
            "leaky" => new Epilogue(Activation: Activation(ActivationKind.LeakyReLU, 0.2f)),
            "tanh" => new Epilogue(Activation: Activation(ActivationKind.Tanh)),
            "sigmoid" => new Epilogue(Activation: Activation(ActivationKind.Sigmoid)),
            "silu" => new Epilogue(norm, Activation(ActivationKind.SiLU)),
            "gelu" => new Epilogue(Activation: Activation(ActivationKind.GELU)),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void FusedConvolution_MatchesConvolutionThenBatchNormThenActivation_InDouble(string path, string epilogueName, int batch, int threads)
    {
        bool hasBias = epilogueName != "bn-nobias-relu";
        Conv2dGeometry g = Conv(path, hasBias);
        Epilogue epilogue = EpilogueOf(epilogueName, g);
        int c = g.OutChannels;
        float[] x = TestArrays.UniformSingle(401, batch * g.InputSize), w = TestArrays.UniformSingle(402, g.WeightSize), b = TestArrays.UniformSingle(403, c);
        float[] gamma = TestArrays.UniformSingle(404, c, 0.5f, 1.5f), beta = TestArrays.UniformSingle(405, c);
        float[] mean = TestArrays.UniformSingle(406, c, -0.5f, 0.5f), variance = TestArrays.UniformSingle(407, c, 0.2f, 2f);

        // The reference: each layer in double.
        double[] expected = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), hasBias ? TestArrays.ToDouble(b) : default, expected);
        EpilogueReference.Apply(epilogue, g, batch, expected, gamma, beta, mean, variance);

        float[] fast = Run(CpuKernels.Fast, threads, path);
        float[] sequential = Run(CpuKernels.Reference, 1, "sequential");
        GradientCheck.AssertRelative(TestArrays.ToSingle(expected), fast, Tolerance, "fast fused output");
        GradientCheck.AssertRelative(TestArrays.ToSingle(expected), sequential, Tolerance, "sequential output");

        float[] Run(CpuKernels kernels, int threadCount, string way)
        {
            using var h = new BackendHarness(kernels, threadCount);
            // Each fast path forced, so that the rule's choice of Winograd or the wide channel vectors does not hide the im2col paths.
            bool wide = way.StartsWith("wide", StringComparison.Ordinal);
            IFusedConv2dOperator conv = kernels == CpuKernels.Reference ? h.Backend.CreateFusedConv2d(g, epilogue)
                : way == "banded" ? new FastConv2dOperator(g, h.Backend.Pool, maxColumnFloats: (long)g.InChannels * 9 * g.OutWidth * 4, epilogue: epilogue, winograd: false)
                : new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, winograd: way == "winograd", wideChannelVector: wide ? WideChannelVectorConvolution.Applies(g) : way == "winograd" ? null : false);
            Assert.Equal(kernels == CpuKernels.Fast, conv is FastConv2dOperator);
            // The "channel-vector" case runs that path wherever the processor can (the rule picks it).
            if (way == "channel-vector") Assert.Equal(ChannelVectorConvolution.Applies(g), ((FastConv2dOperator)conv).UsesChannelVector);
            if (kernels == CpuKernels.Fast) Assert.Equal(wide && WideChannelVectorConvolution.Applies(g), ((FastConv2dOperator)conv).UsesWideChannelVector(batch));
            var norm = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
            Tensor output = h.Stale(batch * g.OutputSize);
            conv.Forward(batch, h.Upload(x), h.Upload(w), hasBias ? h.Upload(b) : default, epilogue.BatchNorm is null ? default : norm, output);
            return h.Read(output);
        }
    }

    public static TheoryData<string, string, string, int, int> PoolCases()
    {
        var data = new TheoryData<string, string, string, int, int>();
        foreach (string path in new[] { "chunks", "split-rows", "split-columns", "direct", "channel-vector", "wide-blocks", "wide-rows", "banded" })
        foreach (string pool in new[] { "max2", "avg2", "max3s2p1" })
            data.Add(path, pool, path is "direct" or "channel-vector" ? "relu" : "bn-relu", path.StartsWith("split", StringComparison.Ordinal) ? 1 : 5, 2);
        data.Add("wide-blocks", "max2", "bn-relu", 1, 2);
        data.Add("wide-rows", "max3s2p1", "relu", 1, 2);
        data.Add("chunks", "max2", "none", 7, 3);
        data.Add("chunks", "avg2", "tanh", 64, 2);
        return data;
    }

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void FusedConvolutionWithPool_MatchesConvolutionThenEpilogueThenPool_InDouble(string path, string poolName, string epilogueName, int batch, int threads)
    {
        Conv2dGeometry g = Conv(path, bias: true);
        Pool2dGeometry pool = poolName switch
        {
            "max2" => Geometries.Pool(PoolKind.Max, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2),
            "avg2" => Geometries.Pool(PoolKind.Average, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2),
            _ => Geometries.Pool(PoolKind.Max, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, 3, 2, 1),
        };
        Epilogue epilogue = (epilogueName == "none" ? Epilogue.None : EpilogueOf(epilogueName, g)) with { Pool = pool };
        int c = g.OutChannels;
        float[] x = TestArrays.UniformSingle(421, batch * g.InputSize), w = TestArrays.UniformSingle(422, g.WeightSize), b = TestArrays.UniformSingle(423, c);
        float[] gamma = TestArrays.UniformSingle(424, c, 0.5f, 1.5f), beta = TestArrays.UniformSingle(425, c);
        float[] mean = TestArrays.UniformSingle(426, c, -0.5f, 0.5f), variance = TestArrays.UniformSingle(427, c, 0.2f, 2f);

        double[] unpooled = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), unpooled);
        EpilogueReference.Apply(epilogue, g, batch, unpooled, gamma, beta, mean, variance);
        double[] expected = new double[batch * pool.OutputSize];
        Pool2dReference.Forward<double>(pool, batch, unpooled, expected);

        foreach ((CpuKernels kernels, int threadCount) in new[] { (CpuKernels.Fast, threads), (CpuKernels.Reference, 1) })
        {
            using var h = new BackendHarness(kernels, threadCount);
            // The im2col paths forced off the wide channel vectors, which the "wide-…" cases force on.
            IFusedConv2dOperator conv = kernels == CpuKernels.Reference ? h.Backend.CreateFusedConv2d(g, epilogue)
                : path == "banded" ? new FastConv2dOperator(g, h.Backend.Pool, maxColumnFloats: (long)g.InChannels * 9 * g.OutWidth * 4, epilogue: epilogue, wideChannelVector: false)
                : path is "chunks" or "split-rows" or "split-columns" ? new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, wideChannelVector: false)
                : path.StartsWith("wide", StringComparison.Ordinal) ? new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, wideChannelVector: WideChannelVectorConvolution.Applies(g))
                : h.Backend.CreateFusedConv2d(g, epilogue);
            Assert.Equal(kernels == CpuKernels.Fast, conv is FastConv2dOperator);
            if (kernels == CpuKernels.Fast && path == "channel-vector") Assert.Equal(ChannelVectorConvolution.Applies(g), ((FastConv2dOperator)conv).UsesChannelVector);
            if (kernels == CpuKernels.Fast && path.StartsWith("wide", StringComparison.Ordinal)) Assert.Equal(WideChannelVectorConvolution.Applies(g), ((FastConv2dOperator)conv).UsesWideChannelVector(batch));
            var tensors = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
            Tensor output = h.Stale(batch * pool.OutputSize), scratch = h.Stale(batch * g.OutputSize);
            conv.Forward(batch, h.Upload(x), h.Upload(w), h.Upload(b), epilogue.BatchNorm is null ? default : tensors, output, scratch);
            GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output), Tolerance, $"{kernels} pooled output");
            Assert.Throws<ArgumentException>(() => conv.Forward(batch, h.Upload(x), h.Upload(w), h.Upload(b), default, output));
        }
    }

    [Fact]
    public void FusedConvolutionWithPool_RefusesAPoolThatDoesNotTakeTheOutput()
    {
        Conv2dGeometry g = Conv("chunks", bias: true);
        Pool2dGeometry wrong = Geometries.Pool(PoolKind.Max, g.MaxBatch, g.OutChannels + 1, g.OutHeight, g.OutWidth, 2, 2);
        using var h = new BackendHarness(CpuKernels.Fast, 1);
        var error = Assert.Throws<ArgumentException>(() => h.Backend.CreateFusedConv2d(g, new Epilogue(Pool: wrong)));
        Assert.Contains("pool fused into a convolution must take its output", error.Message);
        Assert.Throws<ArgumentException>(() => h.Backend.CreateFusedLinear(new LinearGeometry(4, 8, 8, true), new Epilogue(Pool: wrong)));
    }

    [Fact]
    public void FusedConvolution_PlainForward_StillAddsOnlyTheBias()
    {
        // A fused operator's plain Forward is the convolution alone: what LayerOutput of the convolution shows.
        Conv2dGeometry g = Conv("chunks", bias: true);
        Epilogue epilogue = EpilogueOf("relu", g);
        const int batch = 4;
        float[] x = TestArrays.UniformSingle(411, batch * g.InputSize), w = TestArrays.UniformSingle(412, g.WeightSize), b = TestArrays.UniformSingle(413, g.OutChannels);
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var fused = (FastConv2dOperator)h.Backend.CreateFusedConv2d(g, epilogue);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b), output = h.Stale(batch * g.OutputSize);
        ((IFusedConv2dOperator)fused).Forward(batch, input, weight, bias, default, output);
        fused.Forward(batch, input, weight, bias, output);
        float[] plain = h.Read(output);
        Assert.Contains(plain, v => v < 0f);

        double[] expected = new double[plain.Length];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), expected);
        GradientCheck.AssertRelative(TestArrays.ToSingle(expected), plain, Tolerance, "plain output");
    }

    [Theory]
    [InlineData(1, 1030, 130, true, "relu", 2)]
    [InlineData(3, 500, 70, false, "leaky", 2)]
    [InlineData(64, 300, 90, true, "relu", 3)]
    [InlineData(17, 64, 33, true, "tanh", 2)]
    [InlineData(2, 40, 33, true, "sigmoid", 1)]
    [InlineData(9, 40, 33, true, "gelu", 2)]
    public void FusedLinear_MatchesLinearThenActivation_InDouble(int batch, int inFeatures, int outFeatures, bool hasBias, string activationName, int threads)
    {
        var g = new LinearGeometry(64, inFeatures, outFeatures, hasBias);
        ActivationKind kind = activationName switch
        {
            "relu" => ActivationKind.ReLU, "leaky" => ActivationKind.LeakyReLU, "tanh" => ActivationKind.Tanh,
            "sigmoid" => ActivationKind.Sigmoid, _ => ActivationKind.GELU,
        };
        var epilogue = new Epilogue(Activation: new ActivationGeometry(kind, g.MaxBatch, outFeatures, 0.1f));
        float[] x = TestArrays.UniformSingle(421, batch * inFeatures), w = TestArrays.UniformSingle(422, g.WeightSize), b = TestArrays.UniformSingle(423, outFeatures);
        double[] expected = new double[batch * outFeatures];
        LinearReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), hasBias ? TestArrays.ToDouble(b) : default, expected);
        ActivationReference.Forward<double>(kind, batch, outFeatures, expected, expected, 0.1);

        foreach ((CpuKernels kernels, int threadCount) in new[] { (CpuKernels.Fast, threads), (CpuKernels.Reference, 1) })
        {
            using var h = new BackendHarness(kernels, threadCount);
            IFusedLinearOperator linear = h.Backend.CreateFusedLinear(g, epilogue);
            Tensor output = h.Stale(batch * outFeatures);
            linear.Forward(batch, h.Upload(x), h.Upload(w), hasBias ? h.Upload(b) : default, output);
            GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output), Tolerance, $"{kernels} fused output");
        }
    }

    [Fact]
    public void Epilogues_ThatDoNotFitTheLayer_AreRejectedWithTheReason()
    {
        Conv2dGeometry g = Conv("chunks", bias: true);
        using var h = new BackendHarness(CpuKernels.Fast, 1);
        var softmax = new Epilogue(Activation: new ActivationGeometry(ActivationKind.Softmax, g.MaxBatch, g.OutputSize));
        Assert.Contains("elementwise", Assert.Throws<ArgumentException>(() => h.Backend.CreateFusedConv2d(g, softmax)).Message);
        var wrongNorm = new Epilogue(BatchNorm: new BatchNormGeometry(g.MaxBatch, g.OutChannels + 1, g.OutHeight * g.OutWidth, 1e-5f, 0.1f));
        Assert.Contains("must match its output", Assert.Throws<ArgumentException>(() => h.Backend.CreateFusedConv2d(g, wrongNorm)).Message);
        var linear = new LinearGeometry(4, 10, 5, true);
        var linearNorm = new Epilogue(BatchNorm: new BatchNormGeometry(4, 5, 1, 1e-5f, 0.1f));
        Assert.Contains("linear layer", Assert.Throws<ArgumentException>(() => h.Backend.CreateFusedLinear(linear, linearNorm)).Message);
        Assert.Equal(FusedOperators.ConvolutionActivation | FusedOperators.ConvolutionBatchNorm | FusedOperators.LinearActivation | FusedOperators.ConvolutionPool, h.Backend.FusedOperators);
        using var reference = new BackendHarness(CpuKernels.Reference, 1);
        Assert.Equal(FusedOperators.None, reference.Backend.FusedOperators);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>The fast kernels against the reference kernels, in float, on shapes chosen to hit every edge of the fast paths.</summary>
public class FastEquivalenceTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, int> ConvCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "odd", "stride2-padding1", "dilation2", "groups2", "pointwise", "pointwise-groups3-no-bias", "rectangular-no-bias", "same-rectangular", "same-width-only-dilated", "mnist-conv1", "direct-no-bias", "lenet-conv1", "direct-five-outputs", "direct-one-output" })
        foreach (int batch in new[] { 1, 7, 64 })
            data.Add(name, batch);
        data.Add("wide", 1);
        data.Add("wide", 7);
        data.Add("mnist-conv2", 3);
        return data;
    }

    private static Conv2dGeometry Conv(string name, int batch) => name switch
    {
        "odd" => Geometries.Conv(batch, 3, 9, 11, 5, 3),
        "stride2-padding1" => Geometries.Conv(batch, 4, 10, 9, 6, 3, stride: 2, padding: 1),
        "dilation2" => Geometries.Conv(batch, 3, 11, 10, 4, 3, padding: 2, dilation: 2),
        "groups2" => Geometries.Conv(batch, 4, 8, 7, 6, 3, padding: 1, groups: 2),
        "pointwise" => Geometries.Conv(batch, 6, 5, 7, 9, 1),
        "pointwise-groups3-no-bias" => Geometries.Conv(batch, 6, 4, 5, 9, 1, groups: 3, bias: false),
        "rectangular-no-bias" => Geometries.Conv(batch, 2, 9, 8, 3, 2, 5, 2, 1, 0, 2, 1, 1, 1, bias: false),
        "same-rectangular" => Geometries.Conv(batch, 3, 6, 9, 4, 3, 5, 1, 1, 1, 2, 1, 1, 1, bias: true),
        "same-width-only-dilated" => Geometries.Conv(batch, 3, 7, 9, 4, 2, 3, 1, 1, 0, 2, 1, 2, 1, bias: true),
        "mnist-conv1" => Geometries.Conv(batch, 1, 28, 28, 32, 3, padding: 1),
        "direct-no-bias" => Geometries.Conv(batch, 2, 7, 13, 7, 3, padding: 1, bias: false), // direct: channel blocks of 4 and 3, rows of 13 of 16
        "lenet-conv1" => Geometries.Conv(batch, 1, 28, 28, 6, 5, padding: 2),
        "direct-five-outputs" => Geometries.Conv(batch, 2, 9, 30, 5, 3, padding: 1), // direct: channel blocks of 3 and 2, rows of 30 of 32, an odd row count
        "direct-one-output" => Geometries.Conv(batch, 3, 6, 5, 1, 2, 2, 1, 1, 0, 1, 1, 1, 1, bias: true), // direct: one channel, 5×6 outputs
        "mnist-conv2" => Geometries.Conv(batch, 32, 14, 14, 64, 3, padding: 1),
        "wide" => Geometries.Conv(batch, 16, 13, 12, 40, 3, padding: 1),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_FastMatchesReference(string name, int batch)
    {
        Conv2dGeometry g = Conv(name, batch);
        float[] x = TestArrays.UniformSingle(81, batch * g.InputSize), w = TestArrays.UniformSingle(82, g.WeightSize);
        float[] b = TestArrays.UniformSingle(83, g.OutChannels), dy = TestArrays.UniformSingle(84, batch * g.OutputSize);
        Result expected = RunConv(CpuKernels.Reference, g, batch, x, w, b, dy, inputGradient: true);
        Result actual = RunConv(CpuKernels.Fast, g, batch, x, w, b, dy, inputGradient: true);
        expected.AssertMatches(actual);

        // The first layer passes no input gradient; the parameter gradients must not change.
        Result firstLayer = RunConv(CpuKernels.Fast, g, batch, x, w, b, dy, inputGradient: false);
        GradientCheck.AssertRelative(expected.WeightGradient, firstLayer.WeightGradient, Tolerance, "weightGradient without inputGradient");
    }

    private static Result RunConv(CpuKernels kernels, Conv2dGeometry g, int batch, float[] x, float[] w, float[] b, float[] dy, bool inputGradient)
    {
        using var h = new BackendHarness(kernels);
        IConv2dOperator conv = h.Backend.CreateConv2d(g with { MaxBatch = Math.Max(batch, 64) });
        Tensor bias = g.HasBias ? h.Upload(b) : default, db = g.HasBias ? h.Stale(g.OutChannels) : default;
        Tensor output = h.Stale(batch * g.OutputSize), dx = inputGradient ? h.Stale(x.Length) : default, dw = h.Stale(w.Length);
        Tensor input = h.Upload(x), weight = h.Upload(w);
        conv.Forward(batch, input, weight, bias, output);
        conv.Backward(batch, input, weight, h.Upload(dy), dx, dw, db);
        return new Result(h.Read(output), inputGradient ? h.Read(dx) : [], h.Read(dw), g.HasBias ? h.Read(db) : []);
    }

    public static TheoryData<int, int, int, bool> LinearCases() => new()
    {
        { 1, 37, 19, true }, { 7, 37, 19, true }, { 64, 37, 19, false },
        { 64, 300, 70, true }, { 64, 500, 10, true }, { 7, 3136, 128, true }, { 1, 3136, 128, true }, { 64, 128, 10, true },
    };

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void Linear_FastMatchesReference(int batch, int inFeatures, int outFeatures, bool bias)
    {
        var g = new LinearGeometry(64, inFeatures, outFeatures, bias);
        float[] x = TestArrays.UniformSingle(91, batch * inFeatures), w = TestArrays.UniformSingle(92, g.WeightSize);
        float[] b = TestArrays.UniformSingle(93, outFeatures), dy = TestArrays.UniformSingle(94, batch * outFeatures);
        Result expected = RunLinear(CpuKernels.Reference, g, batch, x, w, b, dy);
        Result actual = RunLinear(CpuKernels.Fast, g, batch, x, w, b, dy);
        expected.AssertMatches(actual);
    }

    private static Result RunLinear(CpuKernels kernels, LinearGeometry g, int batch, float[] x, float[] w, float[] b, float[] dy)
    {
        using var h = new BackendHarness(kernels);
        ILinearOperator linear = h.Backend.CreateLinear(g);
        Tensor bias = g.HasBias ? h.Upload(b) : default, db = g.HasBias ? h.Stale(g.OutFeatures) : default;
        Tensor input = h.Upload(x), weight = h.Upload(w), output = h.Stale(batch * g.OutFeatures), dx = h.Stale(x.Length), dw = h.Stale(w.Length);
        linear.Forward(batch, input, weight, bias, output);
        linear.Backward(batch, input, weight, h.Upload(dy), dx, dw, db);
        return new Result(h.Read(output), h.Read(dx), h.Read(dw), g.HasBias ? h.Read(db) : []);
    }

    public static TheoryData<PoolKind, string, int> PoolCases()
    {
        var data = new TheoryData<PoolKind, string, int>();
        foreach (PoolKind kind in Enum.GetValues<PoolKind>())
        foreach (string name in new[] { "k2s2", "k2s2-odd", "k3s2p1", "k3s1p1", "k3s2-ceil", "k3s2-31x31", "k3s2p1-40x37" })
        foreach (int batch in new[] { 1, 7, 64 })
            if (kind != PoolKind.AdaptiveAverage) data.Add(kind, name, batch);
        foreach (int batch in new[] { 1, 7, 64 }) data.Add(PoolKind.AdaptiveAverage, "adaptive-9x10-to-4x3", batch);
        return data;
    }

    private static Pool2dGeometry Pool(PoolKind kind, string name) => name switch
    {
        "k2s2" => Geometries.Pool(kind, 64, 3, 10, 8, 2, 2),
        "k2s2-odd" => Geometries.Pool(kind, 64, 2, 9, 11, 2, 2),
        "k3s2p1" => Geometries.Pool(kind, 64, 3, 9, 10, 3, 2, padding: 1),
        "k3s1p1" => Geometries.Pool(kind, 64, 2, 7, 6, 3, 1, padding: 1),
        "k3s2-ceil" => Geometries.Pool(kind, 64, 2, 8, 8, 3, 2, ceil: true),
        // Rows wide enough for the separable max's vectors: the CIFAR AlexNet-like net's first pool, and a padded one with a ragged width.
        "k3s2-31x31" => Geometries.Pool(kind, 64, 3, 31, 31, 3, 2),
        "k3s2p1-40x37" => Geometries.Pool(kind, 64, 2, 40, 37, 3, 2, padding: 1),
        "adaptive-9x10-to-4x3" => new Pool2dGeometry(kind, 64, 3, 9, 10, 4, 3, 0, 0, 0, 0, 0, 0),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(PoolCases))]
    public void Pool2d_FastMatchesReference(PoolKind kind, string name, int batch)
    {
        Pool2dGeometry g = Pool(kind, name);
        float[] x = TestArrays.UniformSingle(101, batch * g.InputSize), dy = TestArrays.UniformSingle(102, batch * g.OutputSize);
        (float[] y, float[] dx) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            IPool2dOperator pool = h.Backend.CreatePool2d(g);
            Tensor input = h.Upload(x), output = h.Stale(batch * g.OutputSize), dxTensor = h.Stale(x.Length);
            pool.Forward(batch, input, output);
            pool.Backward(batch, input, output, h.Upload(dy), dxTensor);
            return (h.Read(output), h.Read(dxTensor));
        }

        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        GradientCheck.AssertRelative(expected.y, actual.y, Tolerance, "output");
        GradientCheck.AssertRelative(expected.dx, actual.dx, Tolerance, "inputGradient");
    }

    public static TheoryData<ActivationKind, int> ActivationCases()
    {
        var data = new TheoryData<ActivationKind, int>();
        foreach (ActivationKind kind in Enum.GetValues<ActivationKind>())
        foreach (int batch in new[] { 1, 7, 64 })
            data.Add(kind, batch);
        return data;
    }

    [Theory]
    [MemberData(nameof(ActivationCases))]
    public void Activation_FastMatchesReference(ActivationKind kind, int batch)
    {
        var g = new ActivationGeometry(kind, 64, 37);
        float[] x = TestArrays.UniformSingle(111, batch * 37, -3, 3), dy = TestArrays.UniformSingle(112, batch * 37);
        (float[] y, float[] dx) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            IActivationOperator activation = h.Backend.CreateActivation(g);
            Tensor input = h.Upload(x), output = h.Stale(x.Length), dxTensor = h.Stale(x.Length);
            activation.Forward(batch, input, output);
            activation.Backward(batch, input, output, h.Upload(dy), dxTensor);
            return (h.Read(output), h.Read(dxTensor));
        }

        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        GradientCheck.AssertRelative(expected.y, actual.y, Tolerance, "output");
        GradientCheck.AssertRelative(expected.dx, actual.dx, Tolerance, "inputGradient");
    }

    [Theory]
    [InlineData(ActivationKind.SiLU)]
    [InlineData(ActivationKind.GELU)]
    public void SmoothActivations_FastMatchReferenceOverAWideRange_AndPassNaN(ActivationKind kind)
    {
        // −12…12 in steps that hit 0 and both tails, plus the vector remainder, elementwise to 2e-6 (relative or absolute).
        float[] x = Enumerable.Range(0, 963).Select(i => -12f + i * 0.025f).Append(float.NaN).ToArray();
        float[] dy = TestArrays.UniformSingle(113, x.Length);
        var g = new ActivationGeometry(kind, 1, x.Length);
        (float[] y, float[] dx) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            IActivationOperator activation = h.Backend.CreateActivation(g);
            Tensor input = h.Upload(x), output = h.Stale(x.Length), dxTensor = h.Stale(x.Length);
            activation.Forward(1, input, output);
            activation.Backward(1, input, output, h.Upload(dy), dxTensor);
            return (h.Read(output), h.Read(dxTensor));
        }

        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        for (int i = 0; i < x.Length - 1; i++)
        {
            Assert.True(Math.Abs(expected.y[i] - actual.y[i]) <= 2e-6 * Math.Max(1, Math.Abs(expected.y[i])), $"{kind}({x[i]}): fast {actual.y[i]:R}, reference {expected.y[i]:R}");
            Assert.True(Math.Abs(expected.dx[i] - actual.dx[i]) <= 2e-6 * Math.Max(1, Math.Abs(expected.dx[i])), $"{kind}'({x[i]}): fast {actual.dx[i]:R}, reference {expected.dx[i]:R}");
        }
        Assert.True(float.IsNaN(actual.y[^1]) && float.IsNaN(actual.dx[^1]), "NaN passes through");
    }

    public static TheoryData<int, int, int, bool> BatchNormCases()
    {
        var data = new TheoryData<int, int, int, bool>();
        foreach (bool training in new[] { true, false })
        {
            foreach (int batch in new[] { 1, 7, 64 }) data.Add(batch, 5, 13 * 11, training);
            data.Add(7, 3, 9, training);
            data.Add(64, 37, 1, training);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void BatchNorm_FastMatchesReference(int batch, int channels, int spatial, bool training)
    {
        var g = new BatchNormGeometry(64, channels, spatial, 1e-5f, 0.1f);
        int count = batch * channels * spatial;
        float[] x = TestArrays.UniformSingle(195, count, -2, 3), dy = TestArrays.UniformSingle(196, count);
        float[] w = TestArrays.UniformSingle(197, channels, 0.5f, 1.5f), b = TestArrays.UniformSingle(198, channels);
        float[] mean = TestArrays.UniformSingle(199, channels), variance = TestArrays.UniformSingle(200, channels, 0.5f, 2f);
        float[][] Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            IBatchNormOperator norm = h.Backend.CreateBatchNorm(g);
            Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(b), runningMean = h.Upload(mean), runningVariance = h.Upload(variance);
            Tensor tracked = h.Upload([3f]), output = h.Stale(count), dx = h.Stale(count), dw = h.Stale(channels), db = h.Stale(channels);
            norm.Forward(batch, input, weight, bias, runningMean, runningVariance, tracked, output, training);
            norm.Backward(batch, input, weight, h.Upload(dy), dx, dw, db);
            return [h.Read(output), h.Read(dx), h.Read(dw), h.Read(db), h.Read(runningMean), h.Read(runningVariance), h.Read(tracked)];
        }

        float[][] expected = Run(CpuKernels.Reference), actual = Run(CpuKernels.Fast);
        string[] names = ["output", "inputGradient", "weightGradient", "biasGradient", "runningMean", "runningVariance", "batchesTracked"];
        for (int i = 0; i < names.Length; i++) GradientCheck.AssertRelative(expected[i], actual[i], Tolerance, names[i]);
    }

    [Fact]
    public void MaxPool2x2_WithNaNs_FastMatchesReference()
    {
        Pool2dGeometry g = Geometries.Pool(PoolKind.Max, 2, 2, 6, 6, 2, 2);
        float[] x = TestArrays.UniformSingle(103, 2 * g.InputSize), dy = TestArrays.UniformSingle(104, 2 * g.OutputSize);
        x[7] = float.NaN;
        x[40] = float.NaN;
        x[41] = float.NaN;
        (float[] y, float[] dx) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            IPool2dOperator pool = h.Backend.CreatePool2d(g);
            Tensor input = h.Upload(x), output = h.Stale(2 * g.OutputSize), dxTensor = h.Stale(x.Length);
            pool.Forward(2, input, output);
            pool.Backward(2, input, output, h.Upload(dy), dxTensor);
            return (h.Read(output), h.Read(dxTensor));
        }

        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        Assert.Equal(expected.y, actual.y);
        Assert.Equal(expected.dx, actual.dx);
    }

    [Fact]
    public void Dropout_FastBackendDrawsTheReferenceMasks()
    {
        var g = new DropoutGeometry(8, 50, 0.4f, 123);
        float[] x = TestArrays.UniformSingle(121, 400);
        float[] Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            IDropoutOperator dropout = h.Backend.CreateDropout(g);
            Tensor input = h.Upload(x), output = h.Stale(400), mask = h.Stale(400);
            dropout.Forward(8, input, output, mask, training: true);
            dropout.Forward(8, input, output, mask, training: true);
            return h.Read(mask);
        }
        Assert.Equal(Run(CpuKernels.Reference), Run(CpuKernels.Fast));
    }

    [Theory]
    [InlineData(0.9f, 0.1f, 0.01f, false, false, 1027)]
    [InlineData(0.9f, 0f, 0f, true, true, 1027)]
    [InlineData(0f, 0f, 0.001f, false, false, 1027)]
    [InlineData(0.9f, 0.1f, 0.01f, false, false, 70_001)] // shared by the two workers, the last share ending in the scalar tail
    [InlineData(0f, 0f, 0.001f, false, false, 70_001)]
    public void SgdStep_FastMatchesReferenceBitForBit(float momentum, float dampening, float weightDecay, bool nesterov, bool first, int n)
    {
        float[] p = TestArrays.UniformSingle(131, n), g = TestArrays.UniformSingle(132, n), v = TestArrays.UniformSingle(133, n);
        var settings = new SgdStepSettings(0.05f, momentum, dampening, weightDecay, nesterov, first);
        (float[] p, float[] v) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            Tensor pt = h.Upload(p), gt = h.Upload(g), vt = h.Upload(v);
            h.Backend.SgdStep(pt, gt, vt, settings);
            Assert.Equal(g, h.Read(gt));
            return (h.Read(pt), h.Read(vt));
        }
        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        Assert.Equal(expected.p, actual.p);
        Assert.Equal(expected.v, actual.v);
    }

    [Theory]
    [InlineData(0f, false, 1, 1029)]
    [InlineData(0.01f, false, 3, 1029)]
    [InlineData(0.01f, true, 10, 1029)]
    [InlineData(0.01f, false, 3, 70_003)] // shared by the two workers
    public void AdamStep_FastMatchesReferenceBitForBit(float weightDecay, bool decoupled, int step, int n)
    {
        float[] p = TestArrays.UniformSingle(141, n), g = TestArrays.UniformSingle(142, n), m = TestArrays.UniformSingle(143, n), v = TestArrays.UniformSingle(144, n, 0, 1);
        var settings = new AdamStepSettings(0.001f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, step);
        (float[] p, float[] m, float[] v) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            Tensor pt = h.Upload(p), gt = h.Upload(g), mt = h.Upload(m), vt = h.Upload(v);
            h.Backend.AdamStep(pt, gt, mt, vt, settings);
            return (h.Read(pt), h.Read(mt), h.Read(vt));
        }
        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        Assert.Equal(expected.p, actual.p);
        Assert.Equal(expected.m, actual.m);
        Assert.Equal(expected.v, actual.v);
    }

    [Fact]
    public void AddPenalty_FastMatchesReference()
    {
        const int n = 1031;
        float[] p = TestArrays.UniformSingle(151, n), g = TestArrays.UniformSingle(152, n);
        (float penalty, float[] g) Run(CpuKernels kernels)
        {
            using var h = new BackendHarness(kernels);
            Tensor pt = h.Upload(p), gt = h.Upload(g);
            float penalty = h.Backend.AddPenalty(pt, gt, 0.01f, 0.001f);
            return (penalty, h.Read(gt));
        }
        var expected = Run(CpuKernels.Reference);
        var actual = Run(CpuKernels.Fast);
        Assert.Equal(expected.penalty, actual.penalty, 1e-4f * expected.penalty);
        GradientCheck.AssertRelative(expected.g, actual.g, 1e-6, "gradients");
    }

    private sealed record Result(float[] Output, float[] InputGradient, float[] WeightGradient, float[] BiasGradient)
    {
        public void AssertMatches(Result actual)
        {
            GradientCheck.AssertRelative(Output, actual.Output, Tolerance, "output");
            GradientCheck.AssertRelative(InputGradient, actual.InputGradient, Tolerance, "inputGradient");
            GradientCheck.AssertRelative(WeightGradient, actual.WeightGradient, Tolerance, "weightGradient");
            GradientCheck.AssertRelative(BiasGradient, actual.BiasGradient, Tolerance, "biasGradient");
        }
    }
}

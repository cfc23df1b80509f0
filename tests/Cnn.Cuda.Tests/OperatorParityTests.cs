using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Cuda.Operators;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>
/// Each backend operation on CUDA against the CPU reference backend, on shapes that reach the corner
/// cases: groups, dilation and uneven strides; ceil-mode pooling windows; batch norm in both modes
/// and without affine parameters; bad labels; every optimizer option.
/// </summary>
public sealed class OperatorParityTests : IDisposable
{
    private readonly CudaBackend _gpu = CudaTestDevice.IsAvailable ? new CudaBackend() : null!;
    private readonly CpuBackend _cpu = new(CpuKernels.Reference);

    public void Dispose()
    {
        _gpu?.Dispose();
        _cpu.Dispose();
    }

    /// <summary>The same values in a new buffer on each backend.</summary>
    private (Tensor Cpu, Tensor Gpu) Pair(float[] values)
    {
        var cpu = new Tensor(_cpu.Allocate(values.Length), 0, values.Length);
        var gpu = new Tensor(_gpu.Allocate(values.Length), 0, values.Length);
        _cpu.Upload(values, cpu);
        _gpu.Upload(values, gpu);
        return (cpu, gpu);
    }

    private (Tensor Cpu, Tensor Gpu) Zeros(int length) => Pair(new float[length]);

    private void AssertSame((Tensor Cpu, Tensor Gpu) pair, double tolerance, string what) =>
        TestData.AssertClose(TestData.Download(_cpu, pair.Cpu), TestData.Download(_gpu, pair.Gpu), tolerance, what);

    public static TheoryData<Conv2dGeometry> Convolutions => new()
    {
        new Conv2dGeometry(3, 4, 9, 7, 6, 9, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
        new Conv2dGeometry(2, 4, 9, 7, 6, 5, 6, 3, 2, 2, 1, 1, 0, 1, 1, 2, true),
        new Conv2dGeometry(2, 3, 11, 11, 5, 7, 4, 3, 3, 1, 2, 0, 0, 2, 2, 1, false),
        new Conv2dGeometry(1, 8, 6, 6, 8, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 8, true),
        new Conv2dGeometry(4, 16, 5, 5, 32, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1, false),
        new Conv2dGeometry(2, 3, 32, 32, 16, 16, 16, 7, 7, 2, 2, 3, 3, 1, 1, 1, false),
        new Conv2dGeometry(2, 6, 9, 17, 8, 9, 17, 1, 7, 1, 1, 0, 3, 1, 1, 1, true),  // Inception-v3's (1, 7), padding (0, 3)
    };

    [CudaTheory]
    [MemberData(nameof(Convolutions))]
    public void Conv2d_ForwardAndBackward(Conv2dGeometry g)
    {
        foreach (int batch in new[] { g.MaxBatch, 1 })
        {
            var x = Pair(RandomTestData.Uniform(batch * g.InputSize, 1));
            var w = Pair(RandomTestData.Uniform(g.WeightSize, 2));
            var b = Pair(RandomTestData.Uniform(g.OutChannels, 3));
            var y = Zeros(batch * g.OutputSize);
            var dy = Pair(RandomTestData.Uniform(batch * g.OutputSize, 4));
            var dx = Zeros(batch * g.InputSize);
            var dw = Pair(RandomTestData.Uniform(g.WeightSize, 5)); // overwritten, not accumulated
            var db = Pair(RandomTestData.Uniform(g.OutChannels, 6));
            IConv2dOperator cpu = _cpu.CreateConv2d(g), gpu = _gpu.CreateConv2d(g);
            cpu.Forward(batch, x.Cpu, w.Cpu, g.HasBias ? b.Cpu : default, y.Cpu);
            gpu.Forward(batch, x.Gpu, w.Gpu, g.HasBias ? b.Gpu : default, y.Gpu);
            AssertSame(y, 1e-4, $"{g} output, batch {batch}");
            cpu.Backward(batch, x.Cpu, w.Cpu, dy.Cpu, dx.Cpu, dw.Cpu, g.HasBias ? db.Cpu : default);
            gpu.Backward(batch, x.Gpu, w.Gpu, dy.Gpu, dx.Gpu, dw.Gpu, g.HasBias ? db.Gpu : default);
            AssertSame(dx, 1e-3, $"{g} input gradient, batch {batch}");
            AssertSame(dw, 1e-3, $"{g} weight gradient, batch {batch}");
            if (g.HasBias) AssertSame(db, 1e-3, $"{g} bias gradient, batch {batch}");
        }
    }

    [CudaTheory]
    [InlineData(5, 37, 11, true)]
    [InlineData(1, 1, 1, false)]
    [InlineData(64, 512, 1000, true)]
    public void Linear_ForwardAndBackward(int batch, int inFeatures, int outFeatures, bool bias)
    {
        var g = new LinearGeometry(batch, inFeatures, outFeatures, bias);
        var x = Pair(RandomTestData.Uniform(batch * inFeatures, 1));
        var w = Pair(RandomTestData.Uniform(g.WeightSize, 2));
        var b = Pair(RandomTestData.Uniform(outFeatures, 3));
        var y = Zeros(batch * outFeatures);
        var dy = Pair(RandomTestData.Uniform(batch * outFeatures, 4));
        var dx = Zeros(batch * inFeatures);
        var dw = Pair(RandomTestData.Uniform(g.WeightSize, 5));
        var db = Pair(RandomTestData.Uniform(outFeatures, 6));
        ILinearOperator cpu = _cpu.CreateLinear(g), gpu = _gpu.CreateLinear(g);
        cpu.Forward(batch, x.Cpu, w.Cpu, bias ? b.Cpu : default, y.Cpu);
        gpu.Forward(batch, x.Gpu, w.Gpu, bias ? b.Gpu : default, y.Gpu);
        AssertSame(y, 1e-4, "linear output");
        cpu.Backward(batch, x.Cpu, w.Cpu, dy.Cpu, dx.Cpu, dw.Cpu, bias ? db.Cpu : default);
        gpu.Backward(batch, x.Gpu, w.Gpu, dy.Gpu, dx.Gpu, dw.Gpu, bias ? db.Gpu : default);
        AssertSame(dx, 1e-3, "linear input gradient");
        AssertSame(dw, 1e-3, "linear weight gradient");
        if (bias) AssertSame(db, 1e-3, "linear bias gradient");
    }

    public static TheoryData<Pool2dGeometry, bool> Poolings => new()
    {
        { new Pool2dGeometry(PoolKind.Max, 2, 3, 9, 9, 5, 5, 3, 3, 2, 2, 1, 1), true },
        { new Pool2dGeometry(PoolKind.Max, 2, 3, 8, 8, 4, 4, 3, 3, 2, 2, 0, 0), false },   // ceil mode
        { new Pool2dGeometry(PoolKind.Average, 2, 3, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1), true },
        { new Pool2dGeometry(PoolKind.Average, 2, 3, 8, 8, 5, 5, 3, 3, 2, 2, 1, 1), false }, // ceil mode clips the last windows
        { new Pool2dGeometry(PoolKind.Average, 2, 3, 8, 8, 4, 4, 3, 3, 2, 2, 1, 1, CountIncludePad: false), true },
        { new Pool2dGeometry(PoolKind.Average, 2, 3, 8, 8, 5, 5, 3, 3, 2, 2, 1, 1, CountIncludePad: false), false },
        { new Pool2dGeometry(PoolKind.Average, 2, 3, 9, 8, 5, 3, 3, 2, 2, 3, 1, 0, CountIncludePad: false), true },  // non-square
        { new Pool2dGeometry(PoolKind.Max, 2, 3, 9, 8, 5, 9, 3, 2, 2, 1, 1, 1), true },  // non-square
        { new Pool2dGeometry(PoolKind.Sum, 2, 4, 6, 6, 3, 3, 2, 2, 2, 2, 0, 0), true },
        { new Pool2dGeometry(PoolKind.Sum, 2, 4, 7, 7, 4, 4, 2, 2, 2, 2, 0, 0), false },
        { new Pool2dGeometry(PoolKind.AdaptiveAverage, 2, 5, 7, 5, 3, 2, 0, 0, 0, 0, 0, 0), false },
        { new Pool2dGeometry(PoolKind.AdaptiveAverage, 2, 5, 7, 7, 1, 1, 0, 0, 0, 0, 0, 0), false },
    };

    [CudaTheory]
    [MemberData(nameof(Poolings))]
    public void Pool2d_ForwardAndBackward(Pool2dGeometry g, bool cudnn)
    {
        const int batch = 2;
        var x = Pair(RandomTestData.Uniform(batch * g.InputSize, 1));
        var y = Zeros(batch * g.OutputSize);
        var dy = Pair(RandomTestData.Uniform(batch * g.OutputSize, 2));
        var dx = Pair(RandomTestData.Uniform(batch * g.InputSize, 3)); // overwritten
        IPool2dOperator cpu = _cpu.CreatePool2d(g), gpu = _gpu.CreatePool2d(g);
        Assert.Equal(cudnn, ((CudaPool2dOperator)gpu).UsesCudnn);
        cpu.Forward(batch, x.Cpu, y.Cpu);
        gpu.Forward(batch, x.Gpu, y.Gpu);
        AssertSame(y, 1e-5, $"{g} output");
        cpu.Backward(batch, x.Cpu, y.Cpu, dy.Cpu, dx.Cpu);
        gpu.Backward(batch, x.Gpu, y.Gpu, dy.Gpu, dx.Gpu);
        AssertSame(dx, 1e-5, $"{g} input gradient");
    }

    [CudaTheory]
    [InlineData(ActivationKind.ReLU, 0.01f)]
    [InlineData(ActivationKind.Tanh, 0.01f)]
    [InlineData(ActivationKind.Sigmoid, 0.01f)]
    [InlineData(ActivationKind.Softmax, 0.01f)]
    [InlineData(ActivationKind.LogSoftmax, 0.01f)]
    [InlineData(ActivationKind.LeakyReLU, 0.1f)]
    [InlineData(ActivationKind.LeakyReLU, -0.2f)]
    [InlineData(ActivationKind.SiLU, 0.01f)]
    [InlineData(ActivationKind.GELU, 0.01f)]
    public void Activation_ForwardAndBackward(ActivationKind kind, float slope)
    {
        const int batch = 5, features = 37;
        var g = new ActivationGeometry(kind, batch, features, slope);
        var x = Pair(RandomTestData.Uniform(batch * features, 1, -4, 4));
        var y = Zeros(batch * features);
        var dy = Pair(RandomTestData.Uniform(batch * features, 2));
        var dx = Zeros(batch * features);
        IActivationOperator cpu = _cpu.CreateActivation(g), gpu = _gpu.CreateActivation(g);
        cpu.Forward(batch, x.Cpu, y.Cpu);
        gpu.Forward(batch, x.Gpu, y.Gpu);
        AssertSame(y, 1e-5, $"{kind} output");
        cpu.Backward(batch, x.Cpu, y.Cpu, dy.Cpu, dx.Cpu);
        gpu.Backward(batch, x.Gpu, y.Gpu, dy.Gpu, dx.Gpu);
        AssertSame(dx, 1e-5, $"{kind} input gradient");
    }

    [CudaTheory]
    [InlineData(4, 6, 25, true)]
    [InlineData(8, 5, 1, true)]
    [InlineData(3, 4, 9, false)]
    public void BatchNorm_TrainingThenEvaluation(int batch, int channels, int spatial, bool affine)
    {
        var g = new BatchNormGeometry(batch, channels, spatial, 1e-5f, 0.1f);
        int count = batch * channels * spatial;
        var x = Pair(RandomTestData.Uniform(count, 1, -2, 3));
        var w = Pair(RandomTestData.Uniform(channels, 2, 0.5f, 1.5f));
        var b = Pair(RandomTestData.Uniform(channels, 3));
        var mean = Pair(RandomTestData.Uniform(channels, 4));
        var variance = Pair(RandomTestData.Uniform(channels, 5, 0.5f, 2f));
        var tracked = Pair([3f]);
        var y = Zeros(count);
        var dy = Pair(RandomTestData.Uniform(count, 6));
        var dx = Zeros(count);
        var dw = Zeros(channels);
        var db = Zeros(channels);
        IBatchNormOperator cpu = _cpu.CreateBatchNorm(g), gpu = _gpu.CreateBatchNorm(g);

        foreach (bool training in new[] { true, false })
        {
            string mode = training ? "training" : "evaluation";
            cpu.Forward(batch, x.Cpu, affine ? w.Cpu : default, affine ? b.Cpu : default, mean.Cpu, variance.Cpu, tracked.Cpu, y.Cpu, training);
            gpu.Forward(batch, x.Gpu, affine ? w.Gpu : default, affine ? b.Gpu : default, mean.Gpu, variance.Gpu, tracked.Gpu, y.Gpu, training);
            AssertSame(y, 1e-4, $"batch norm {mode} output");
            AssertSame(mean, 1e-5, $"running mean after {mode}");
            AssertSame(variance, 1e-5, $"running variance (unbiased) after {mode}");
            AssertSame(tracked, 0, $"num_batches_tracked after {mode}");
            cpu.Backward(batch, x.Cpu, affine ? w.Cpu : default, dy.Cpu, dx.Cpu, affine ? dw.Cpu : default, affine ? db.Cpu : default);
            gpu.Backward(batch, x.Gpu, affine ? w.Gpu : default, dy.Gpu, dx.Gpu, affine ? dw.Gpu : default, affine ? db.Gpu : default);
            AssertSame(dx, 1e-3, $"batch norm {mode} input gradient");
            if (affine)
            {
                AssertSame(dw, 1e-3, $"batch norm {mode} weight gradient");
                AssertSame(db, 1e-3, $"batch norm {mode} bias gradient");
            }
        }
    }

    [CudaFact]
    public void Dropout_MasksFollowTheHash_AndEvaluationIsTheIdentity()
    {
        const int batch = 4, features = 1000;
        var g = new DropoutGeometry(batch, features, 0.3f, Seed: 99);
        var x = Pair(RandomTestData.Uniform(batch * features, 1));
        var y = Zeros(batch * features);
        var mask = Zeros(batch * features);
        IDropoutOperator op = _gpu.CreateDropout(g);
        float[] input = TestData.Download(_gpu, x.Gpu);
        for (ulong call = 0; call < 2; call++)
        {
            op.Forward(batch, x.Gpu, y.Gpu, mask.Gpu, training: true);
            float[] m = TestData.Download(_gpu, mask.Gpu), output = TestData.Download(_gpu, y.Gpu);
            for (int i = 0; i < m.Length; i++)
            {
                Assert.Equal(DropoutHash.Mask(0.3f, 99, call, (ulong)i), m[i]);
                Assert.Equal(input[i] * m[i], output[i]);
            }
        }
        Assert.Equal(2UL, op.MaskStream);

        // A checkpoint's state, set back: the next mask is that of the given seed and call.
        op.MaskSeed = 7;
        op.MaskStream = 41;
        op.Forward(batch, x.Gpu, y.Gpu, mask.Gpu, training: true);
        float[] restored = TestData.Download(_gpu, mask.Gpu);
        for (int i = 0; i < restored.Length; i++) Assert.Equal(DropoutHash.Mask(0.3f, 7, 41, (ulong)i), restored[i]);
        Assert.Equal((7UL, 42UL), (op.MaskSeed, op.MaskStream));

        op.Forward(batch, x.Gpu, y.Gpu, mask.Gpu, training: false);
        Assert.Equal(input, TestData.Download(_gpu, y.Gpu));
        Assert.All(TestData.Download(_gpu, mask.Gpu), v => Assert.Equal(1f, v));
        var dy = Pair(RandomTestData.Uniform(batch * features, 2));
        var dx = Zeros(batch * features);
        op.Backward(batch, mask.Gpu, dy.Gpu, dx.Gpu);
        Assert.Equal(TestData.Download(_gpu, dy.Gpu), TestData.Download(_gpu, dx.Gpu));
    }

    [CudaTheory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Losses_ValuesAndGradients(int which)
    {
        const int batch = 7, classes = 13;
        float[] values = RandomTestData.Uniform(batch * classes, 1, -3, 3);
        if (which == 2)
        {
            // probabilities: a softmax of the values, one of them below the clamp
            for (int n = 0; n < batch; n++)
            {
                Span<float> row = values.AsSpan(n * classes, classes);
                float max = row.ToArray().Max(), sum = 0;
                for (int c = 0; c < classes; c++) sum += row[c] = MathF.Exp(row[c] - max);
                for (int c = 0; c < classes; c++) row[c] /= sum;
            }
            values[0] = 1e-9f;
        }
        float[] labelValues = RandomTestData.Labels(batch, classes, 2);
        labelValues[0] = 0;
        var input = Pair(values);
        var labels = Pair(labelValues);
        var gradient = Zeros(batch * classes);
        float cpu = Loss(_cpu, which, input.Cpu, labels.Cpu, gradient.Cpu);
        float gpu = Loss(_gpu, which, input.Gpu, labels.Gpu, gradient.Gpu);
        Assert.True(Math.Abs(cpu - gpu) <= 1e-5 * Math.Max(1, Math.Abs(cpu)), $"loss {which}: {gpu} on CUDA, {cpu} on the CPU reference");
        AssertSame(gradient, 1e-5, $"loss {which} gradient");
        Assert.Equal(gpu, _gpu.ReadLastLoss());

        var onDevice = Zeros(1);
        if (which == 0) _gpu.SoftmaxCrossEntropy(batch, classes, input.Gpu, labels.Gpu, gradient.Gpu, onDevice.Gpu);
        else if (which == 1) _gpu.NllLoss(batch, classes, input.Gpu, labels.Gpu, gradient.Gpu, onDevice.Gpu);
        else _gpu.ProbabilityCrossEntropy(batch, classes, input.Gpu, labels.Gpu, gradient.Gpu, onDevice.Gpu);
        Assert.Equal(gpu, TestData.Download(_gpu, onDevice.Gpu)[0]);

        labelValues[3] = 2.5f;
        _gpu.Upload(labelValues, labels.Gpu);
        _cpu.Upload(labelValues, labels.Cpu);
        var cpuError = Assert.Throws<ArgumentException>(() => Loss(_cpu, which, input.Cpu, labels.Cpu, gradient.Cpu));
        var gpuError = Assert.Throws<ArgumentException>(() => Loss(_gpu, which, input.Gpu, labels.Gpu, gradient.Gpu));
        Assert.Equal(cpuError.Message, gpuError.Message);
    }

    private static float Loss(IBackend backend, int which, Tensor input, Tensor labels, Tensor gradient) => which switch
    {
        0 => backend.SoftmaxCrossEntropy(7, 13, input, labels, gradient),
        1 => backend.NllLoss(7, 13, input, labels, gradient),
        _ => backend.ProbabilityCrossEntropy(7, 13, input, labels, gradient),
    };

    [CudaFact]
    public void Penalty_AddsToGradientsAndReturnsTheSum()
    {
        var p = Pair(RandomTestData.Uniform(100_003, 1));
        var g = Pair(RandomTestData.Uniform(100_003, 2));
        float cpu = _cpu.AddPenalty(p.Cpu, g.Cpu, 1e-3f, 2e-4f), gpu = _gpu.AddPenalty(p.Gpu, g.Gpu, 1e-3f, 2e-4f);
        Assert.True(Math.Abs(cpu - gpu) <= 1e-4 * Math.Abs(cpu), $"penalty {gpu} on CUDA, {cpu} on the CPU reference");
        AssertSame(g, 1e-6, "gradients with the penalty");
    }

    [CudaTheory]
    [InlineData(0f, 0f, 0f, false)]
    [InlineData(0.9f, 0f, 1e-4f, false)]
    [InlineData(0.9f, 0.1f, 0f, false)]
    [InlineData(0.9f, 0f, 5e-4f, true)]
    public void Sgd_StepsLikeTheReference(float momentum, float dampening, float weightDecay, bool nesterov)
    {
        const int n = 10_007;
        var p = Pair(RandomTestData.Uniform(n, 1));
        var v = Zeros(n);
        for (int step = 1; step <= 3; step++)
        {
            var g = Pair(RandomTestData.Uniform(n, (ulong)(10 + step)));
            var settings = new SgdStepSettings(0.05f, momentum, dampening, weightDecay, nesterov, FirstStep: step == 1);
            _cpu.SgdStep(p.Cpu, g.Cpu, momentum != 0 ? v.Cpu : default, settings);
            _gpu.SgdStep(p.Gpu, g.Gpu, momentum != 0 ? v.Gpu : default, settings);
        }
        AssertSame(p, 1e-6, "SGD parameters");
        if (momentum != 0) AssertSame(v, 1e-6, "SGD velocity");
    }

    [CudaTheory]
    [InlineData(0f, false)]
    [InlineData(1e-2f, false)]
    [InlineData(1e-2f, true)]
    public void Adam_StepsLikeTheReference(float weightDecay, bool decoupled)
    {
        const int n = 10_007;
        var p = Pair(RandomTestData.Uniform(n, 1));
        var m = Zeros(n);
        var v = Zeros(n);
        for (int step = 1; step <= 4; step++)
        {
            var g = Pair(RandomTestData.Uniform(n, (ulong)(20 + step)));
            var settings = new AdamStepSettings(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled, step);
            _cpu.AdamStep(p.Cpu, g.Cpu, m.Cpu, v.Cpu, settings);
            _gpu.AdamStep(p.Gpu, g.Gpu, m.Gpu, v.Gpu, settings);
        }
        AssertSame(p, 1e-6, "Adam parameters");
        AssertSame(m, 1e-6, "Adam first moment");
        AssertSame(v, 1e-6, "Adam second moment");
    }

    [CudaFact]
    public void Elementwise_AddCopyStridedFillCopy()
    {
        var a = Pair(RandomTestData.Uniform(1000, 1));
        var b = Pair(RandomTestData.Uniform(1000, 2));
        var sum = Zeros(1000);
        _cpu.Add(a.Cpu, b.Cpu, sum.Cpu);
        _gpu.Add(a.Gpu, b.Gpu, sum.Gpu);
        AssertSame(sum, 0, "Add");

        var strided = Zeros(1200);
        _cpu.CopyStrided(7, 30, a.Cpu, 100, strided.Cpu, 170);
        _gpu.CopyStrided(7, 30, a.Gpu, 100, strided.Gpu, 170);
        AssertSame(strided, 0, "CopyStrided");

        _cpu.Fill(sum.Cpu.Slice(10, 20), -2.5f);
        _gpu.Fill(sum.Gpu.Slice(10, 20), -2.5f);
        AssertSame(sum, 0, "Fill");

        _cpu.Copy(a.Cpu.Slice(5, 300), b.Cpu.Slice(600, 400));
        _gpu.Copy(a.Gpu.Slice(5, 300), b.Gpu.Slice(600, 400));
        AssertSame(b, 0, "Copy");
    }

    [CudaFact]
    public void TensorsOfAnotherBackend_AreRefusedWithTheirName()
    {
        var cpuOnly = new Tensor(_cpu.Allocate(10), 0, 10);
        var e = Assert.Throws<ArgumentException>(() => _gpu.Fill(cpuOnly, 1f));
        Assert.Contains("CpuBuffer", e.Message);
        Assert.Contains("CudaBackend.Allocate", e.Message);
    }
}

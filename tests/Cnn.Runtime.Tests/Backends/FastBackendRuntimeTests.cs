using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>What the fast backend promises beyond numbers: no allocation in a training step, and bitwise repeatability.</summary>
public class FastBackendRuntimeTests
{
    /// <summary>A small conv → pool → relu → linear step with its backward pass and an optimizer step.</summary>
    private sealed class Step : IDisposable
    {
        private readonly BackendHarness _h = new(CpuKernels.Fast, threads: 2);
        private readonly IConv2dOperator _conv;
        private readonly IPool2dOperator _pool;
        private readonly IActivationOperator _relu;
        private readonly ILinearOperator _linear;
        private readonly Conv2dGeometry _cg = Geometries.Conv(16, 3, 12, 12, 8, 3, padding: 1);
        private readonly Pool2dGeometry _pg = Geometries.Pool(PoolKind.Max, 16, 8, 12, 12, 2, 2);
        private readonly Tensor _x, _w, _b, _convOut, _poolOut, _reluOut, _fw, _fb, _logits, _labels, _dLogits, _dRelu, _dPool, _dConvOut, _dw, _db, _dfw, _dfb, _dx, _velocity;

        public Step()
        {
            _conv = _h.Backend.CreateConv2d(_cg);
            _pool = _h.Backend.CreatePool2d(_pg);
            _relu = _h.Backend.CreateActivation(new ActivationGeometry(ActivationKind.ReLU, 16, _pg.OutputSize));
            _linear = _h.Backend.CreateLinear(new LinearGeometry(16, _pg.OutputSize, 10, true));
            _x = _h.Upload(TestArrays.UniformSingle(161, 16 * _cg.InputSize));
            _w = _h.Upload(TestArrays.UniformSingle(162, _cg.WeightSize, -0.3f, 0.3f));
            _b = _h.Upload(TestArrays.UniformSingle(163, 8));
            _fw = _h.Upload(TestArrays.UniformSingle(164, 10 * _pg.OutputSize, -0.05f, 0.05f));
            _fb = _h.Upload(TestArrays.UniformSingle(165, 10));
            _labels = _h.Upload(TestArrays.ToSingle(TestArrays.Labels(166, 16, 10)));
            _convOut = _h.Stale(16 * _cg.OutputSize);
            _dConvOut = _h.Stale(16 * _cg.OutputSize);
            _poolOut = _h.Stale(16 * _pg.OutputSize);
            _reluOut = _h.Stale(16 * _pg.OutputSize);
            _dRelu = _h.Stale(16 * _pg.OutputSize);
            _dPool = _h.Stale(16 * _pg.OutputSize);
            _logits = _h.Stale(160);
            _dLogits = _h.Stale(160);
            _dw = _h.Stale(_cg.WeightSize);
            _db = _h.Stale(8);
            _dfw = _h.Stale(10 * _pg.OutputSize);
            _dfb = _h.Stale(10);
            _dx = _h.Stale(16 * _cg.InputSize);
            _velocity = _h.Stale(_cg.WeightSize, 0f);
        }

        public float Run(int batch)
        {
            _conv.Forward(batch, _x, _w, _b, _convOut);
            _pool.Forward(batch, _convOut, _poolOut);
            _relu.Forward(batch, _poolOut, _reluOut);
            _linear.Forward(batch, _reluOut, _fw, _fb, _logits);
            float loss = _h.Backend.SoftmaxCrossEntropy(batch, 10, _logits, _labels, _dLogits);
            _linear.Backward(batch, _reluOut, _fw, _dLogits, _dRelu, _dfw, _dfb);
            _relu.Backward(batch, _poolOut, _reluOut, _dRelu, _dPool);
            _pool.Backward(batch, _convOut, _poolOut, _dPool, _dConvOut);
            _conv.Backward(batch, _x, _w, _dConvOut, _dx, _dw, _db);
            _h.Backend.SgdStep(_w, _dw, _velocity, new SgdStepSettings(0.01f, 0.9f, 0f, 0f, false, false));
            return loss;
        }

        public float[][] Snapshot() => [_h.Read(_logits), _h.Read(_dx), _h.Read(_dw), _h.Read(_db), _h.Read(_dfw), _h.Read(_w)];

        public void Dispose() => _h.Dispose();
    }

    [Fact]
    public void TrainingStep_AfterWarmUp_AllocatesNothingOnTheCallingThread()
    {
        using var step = new Step();
        step.Run(16);
        step.Run(1);
        step.Run(7);

        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                step.Run(16);
                step.Run(1);
            }
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void BatchNormResidualStep_AfterWarmUp_AllocatesNothingOnTheCallingThread()
    {
        using var h = new BackendHarness(CpuKernels.Fast, threads: 2);
        var g = new BatchNormGeometry(16, 8, 100, 1e-5f, 0.1f);
        IBatchNormOperator norm = h.Backend.CreateBatchNorm(g);
        IActivationOperator leaky = h.Backend.CreateActivation(new ActivationGeometry(ActivationKind.LeakyReLU, 16, 800));
        IPool2dOperator pool = h.Backend.CreatePool2d(new Pool2dGeometry(PoolKind.AdaptiveAverage, 16, 8, 10, 10, 1, 1, 0, 0, 0, 0, 0, 0));
        Tensor x = h.Upload(TestArrays.UniformSingle(201, 12800)), w = h.Upload(new float[8]), b = h.Upload(new float[8]);
        Tensor mean = h.Upload(new float[8]), variance = h.Upload(Enumerable.Repeat(1f, 8).ToArray()), tracked = h.Upload([0f]);
        Tensor y = h.Stale(12800), z = h.Stale(12800), sum = h.Stale(12800), pooled = h.Stale(128), dPooled = h.Upload(TestArrays.UniformSingle(202, 128));
        Tensor dz = h.Stale(12800), dy = h.Stale(12800), dx = h.Stale(12800), dw = h.Stale(8), db = h.Stale(8), m1 = h.Stale(8, 0f), m2 = h.Stale(8, 0f);

        void Step(int batch, int t)
        {
            norm.Forward(batch, x, w, b, mean, variance, tracked, y, training: true);
            leaky.Forward(batch, y, z);
            h.Backend.Add(z, x, sum);
            pool.Forward(batch, sum, pooled);
            pool.Backward(batch, sum, pooled, dPooled, dz);
            leaky.Backward(batch, y, z, dz, dy);
            norm.Backward(batch, x, w, dy, dx, dw, db);
            h.Backend.CopyStrided(batch, 100, dx, 800, sum, 800);
            h.Backend.AdamStep(w, dw, m1, m2, new AdamStepSettings(0.001f, 0.9f, 0.999f, 1e-8f, 0.01f, true, t));
        }

        for (int t = 1; t <= 3; t++) Step(16, t);
        int next = 4;
        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 7; i++, next++) Step(next % 2 == 0 ? 16 : 3, next);
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void TrainingStep_WithTheSameInputsAndThreadCount_IsBitwiseRepeatable()
    {
        float[][] first, second;
        using (var step = new Step())
        {
            step.Run(16);
            first = step.Snapshot();
        }
        using (var step = new Step())
        {
            step.Run(16);
            second = step.Snapshot();
        }
        for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
    }

    [Fact]
    public void Conv2dBackward_RunTwiceOnOneOperator_GivesBitwiseEqualGradients()
    {
        Conv2dGeometry g = Geometries.Conv(9, 4, 10, 9, 6, 3, stride: 2, padding: 1);
        using var h = new BackendHarness(CpuKernels.Fast, threads: 2);
        IConv2dOperator conv = h.Backend.CreateConv2d(g);
        Tensor x = h.Upload(TestArrays.UniformSingle(171, 9 * g.InputSize)), w = h.Upload(TestArrays.UniformSingle(172, g.WeightSize));
        Tensor dy = h.Upload(TestArrays.UniformSingle(173, 9 * g.OutputSize)), b = h.Upload(new float[6]);
        Tensor dx = h.Stale(9 * g.InputSize), dw = h.Stale(g.WeightSize), db = h.Stale(6), y = h.Stale(9 * g.OutputSize);
        conv.Forward(9, x, w, b, y);
        conv.Backward(9, x, w, dy, dx, dw, db);
        float[][] first = [h.Read(y), h.Read(dx), h.Read(dw), h.Read(db)];
        conv.Forward(9, x, w, b, y);
        conv.Backward(9, x, w, dy, dx, dw, db);
        float[][] second = [h.Read(y), h.Read(dx), h.Read(dw), h.Read(db)];
        for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], second[i]);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The check that the kernels which finish and max-pool a fused convolution in one pass
/// (<see cref="PooledDirectConvolution"/>, <see cref="PooledWinogradConvolution"/>, <see cref="PooledWideConvolution"/>)
/// share: the fused operator against the layers one by one in double precision (the reference
/// convolution with its bias, the batch norm's evaluation formula, the reference activation, the
/// reference pool), over three calls with the same weights (packed into the shared region, then into
/// the kept copy, then read as kept).
/// </summary>
internal static class PooledConvolutionCheck
{
    /// <summary>
    /// Runs the fused convolution <paramref name="create"/> makes for <paramref name="g"/> + the epilogue
    /// named <paramref name="epilogueName"/> + <paramref name="pool"/>, asserts whether it takes the path
    /// (<paramref name="usesPath"/> is <paramref name="expectPath"/>), and compares its output with the reference.
    /// Weights, bias and batch norm tensors are drawn from <paramref name="seed"/> onwards.
    /// </summary>
    public static void Run(Conv2dGeometry g, Pool2dGeometry pool, string epilogueName, int batch, int threads, float[] x, ulong seed,
        Func<BackendHarness, Epilogue, FastConv2dOperator> create, Func<FastConv2dOperator, bool> usesPath, bool expectPath, double tolerance)
    {
        int c = g.OutChannels;
        var norm = new BatchNormGeometry(g.MaxBatch, c, g.OutHeight * g.OutWidth, 1e-3f, 0.1f);
        ActivationGeometry Activation(ActivationKind kind, float slope = 0.01f) => new(kind, g.MaxBatch, g.OutputSize, slope);
        Epilogue epilogue = epilogueName switch
        {
            "relu" => new Epilogue(Activation: Activation(ActivationKind.ReLU)),
            "leaky" => new Epilogue(Activation: Activation(ActivationKind.LeakyReLU, 0.2f)),
            "bn-relu" or "bn-negative-relu" => new Epilogue(norm, Activation(ActivationKind.ReLU)),
            "none" => Epilogue.None,
            _ => throw new ArgumentException(epilogueName),
        } with { Pool = pool };
        float[] w = TestArrays.UniformSingle(seed, g.WeightSize), b = TestArrays.UniformSingle(seed + 1, c);
        float[] gamma = epilogueName == "bn-negative-relu" ? TestArrays.UniformSingle(seed + 2, c, -1.5f, 1.5f) : TestArrays.UniformSingle(seed + 2, c, 0.5f, 1.5f);
        float[] beta = TestArrays.UniformSingle(seed + 3, c), mean = TestArrays.UniformSingle(seed + 4, c, -0.5f, 0.5f), variance = TestArrays.UniformSingle(seed + 5, c, 0.2f, 2f);

        double[] unpooled = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), g.HasBias ? TestArrays.ToDouble(b) : default, unpooled);
        EpilogueReference.Apply(epilogue, g, batch, unpooled, gamma, beta, mean, variance);
        double[] expected = new double[batch * pool.OutputSize];
        Pool2dReference.Forward<double>(pool, batch, unpooled, expected);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        FastConv2dOperator conv = create(h, epilogue);
        Assert.Equal(expectPath, usesPath(conv));
        var tensors = new BatchNormTensors(h.Upload(gamma), h.Upload(beta), h.Upload(mean), h.Upload(variance));
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = g.HasBias ? h.Upload(b) : default;
        for (int call = 0; call < 3; call++)
        {
            Tensor output = h.Stale(batch * pool.OutputSize), scratch = h.Stale(batch * g.OutputSize);
            ((IFusedConv2dOperator)conv).Forward(batch, input, weight, bias, epilogue.BatchNorm is null ? default : tensors, output, scratch);
            AssertPooled(expected, h.Read(output), $"pooled output, call {call}", tolerance);
        }
    }

    /// <summary>Every NaN and infinity where the reference has one, the other values within <paramref name="tolerance"/> of the largest finite magnitude.</summary>
    public static void AssertPooled(double[] expected, float[] actual, string what, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-30;
        foreach (double v in expected) if (double.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
        {
            if (double.IsNaN(expected[i]))
            {
                Assert.True(float.IsNaN(actual[i]), $"{what}[{i}]: expected NaN, got {actual[i]:R}.");
                continue;
            }
            if (double.IsInfinity(expected[i]))
            {
                Assert.Equal(expected[i], (double)actual[i]);
                continue;
            }
            double error = Math.Abs(expected[i] - actual[i]);
            if (!(error <= tolerance * scale))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error / scale:E2} of the largest magnitude {scale:E2}).");
        }
    }
}

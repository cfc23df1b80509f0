using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// A NaN must survive ReLU and LeakyReLU, as in PyTorch, so that divergence shows in the loss instead of
/// vanishing as 0; and ReLU of −∞ is 0, as in PyTorch, not the NaN that −∞ · 0 would make.
/// </summary>
public class ActivationNaNTests
{
    [Theory]
    [InlineData(CpuKernels.Reference, ActivationKind.ReLU)]
    [InlineData(CpuKernels.Fast, ActivationKind.ReLU)]
    [InlineData(CpuKernels.Reference, ActivationKind.LeakyReLU)]
    [InlineData(CpuKernels.Fast, ActivationKind.LeakyReLU)]
    public void NaN_PassesThrough_AndOtherValuesFollowTheFunction(CpuKernels kernels, ActivationKind kind)
    {
        using var harness = new BackendHarness(kernels);
        // 19 values: the SIMD loop and its scalar tail both see a NaN.
        float[] input = Enumerable.Range(0, 19).Select(i => i % 3 == 0 ? float.NaN : i % 2 == 0 ? i : -i).ToArray();
        var op = harness.Backend.CreateActivation(new ActivationGeometry(kind, 1, input.Length, 0.1f));
        Tensor output = harness.Stale(input.Length);

        op.Forward(1, harness.Upload(input), output);

        float[] y = harness.Read(output);
        for (int i = 0; i < input.Length; i++)
        {
            float expected = float.IsNaN(input[i]) ? float.NaN : input[i] >= 0 ? input[i] : kind == ActivationKind.ReLU ? 0 : 0.1f * input[i];
            Assert.Equal(expected, y[i], 6);
        }
    }

    [Theory]
    [InlineData(CpuKernels.Reference, false)]
    [InlineData(CpuKernels.Fast, false)]
    [InlineData(CpuKernels.Reference, true)]
    [InlineData(CpuKernels.Fast, true)]
    public void NegativeInfinity_BecomesZero_UnderReLU(CpuKernels kernels, bool savingMask)
    {
        using var harness = new BackendHarness(kernels);
        // 37 values: the 32-wide SIMD loop and its scalar tail both see −∞, +∞ and a NaN.
        float[] input = Enumerable.Range(0, 37).Select(i => i % 5 == 1 ? float.NegativeInfinity : i == 4 || i == 35 ? float.PositiveInfinity : i == 7 ? float.NaN : i - 18f).ToArray();
        var op = harness.Backend.CreateActivation(new ActivationGeometry(ActivationKind.ReLU, 1, input.Length, 0f));
        Tensor output = harness.Stale(input.Length);

        if (savingMask) op.ForwardSavingMask(1, harness.Upload(input), output, harness.Stale(CompactMasks.ActivationMaskFloats(input.Length), float.NaN));
        else op.Forward(1, harness.Upload(input), output);

        float[] y = harness.Read(output);
        for (int i = 0; i < input.Length; i++)
            Assert.Equal(float.IsNaN(input[i]) ? float.NaN : Math.Max(input[i], 0f), y[i]);
    }

    /// <summary>
    /// The fused convolution + ReLU on each fast forward path, with one channel's bias −∞: that channel
    /// is all 0 (not NaN), and the others match the reference convolution and ReLU in double.
    /// </summary>
    [Theory]
    [InlineData("gemm")]
    [InlineData("wide")]
    [InlineData("pooled-direct")]
    public void FusedReLU_OfNegativeInfinity_IsZero_OnEachFastPath(string path)
    {
        Conv2dGeometry g = path == "pooled-direct" ? Geometries.Conv(4, 1, 12, 12, 32, 3, padding: 1) : Geometries.Conv(4, 32, 14, 14, 64, 3, padding: 1);
        var relu = new ActivationGeometry(ActivationKind.ReLU, g.MaxBatch, g.OutputSize, 0f);
        Pool2dGeometry? pool = path == "pooled-direct" ? Geometries.Pool(PoolKind.Max, g.MaxBatch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2) : null;
        var epilogue = new Epilogue(Activation: relu) with { Pool = pool };
        const int batch = 3, infiniteChannel = 1;
        float[] x = TestArrays.UniformSingle(71, batch * g.InputSize), w = TestArrays.UniformSingle(72, g.WeightSize), b = TestArrays.UniformSingle(73, g.OutChannels);
        b[infiniteChannel] = float.NegativeInfinity;

        double[] unpooled = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), unpooled);
        ActivationReference.Forward<double>(ActivationKind.ReLU, batch, g.OutputSize, unpooled, unpooled, 0.0);
        double[] expected = unpooled;
        if (pool is { } p)
        {
            expected = new double[batch * p.OutputSize];
            Pool2dReference.Forward<double>(p, batch, unpooled, expected);
        }

        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = path == "pooled-direct" ? (FastConv2dOperator)h.Backend.CreateFusedConv2d(g, epilogue)
            : new FastConv2dOperator(g, h.Backend.Pool, epilogue: epilogue, winograd: false, wideChannelVector: path == "wide" && WideChannelVectorConvolution.Applies(g));
        Assert.Equal(path == "wide" && WideChannelVectorConvolution.Applies(g), conv.UsesWideChannelVector(batch));
        if (pool is { } fused) Assert.Equal(PooledDirectConvolution.Applies(g, fused), conv.UsesPooledDirect);
        Tensor output = h.Stale(expected.Length);
        ((IFusedConv2dOperator)conv).Forward(batch, h.Upload(x), h.Upload(w), h.Upload(b), default, output, h.Stale(batch * g.OutputSize));

        float[] y = h.Read(output);
        int plane = expected.Length / (batch * g.OutChannels);
        for (int i = 0; i < y.Length; i++)
        {
            if (i / plane % g.OutChannels == infiniteChannel) Assert.Equal(0f, y[i]);
            else Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{path}: output {i} is {y[i]}, expected {expected[i]}");
        }
    }
}

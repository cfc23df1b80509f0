using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// A whole network on a bf16 backend (<see cref="MatrixPrecision.BFloat16"/>) against the same
/// network on an fp32 one: outputs, gradients and a short training run agree to what 8-bit
/// mantissas allow, and differ at all (so the bf16 products did run). Where the machine has no AVX512_BF16
/// the backend must refuse, with the reason.
/// </summary>
public class Bf16NetworkTests
{
    private const int Batch = 16;

    [Fact]
    public void ForwardAndBackward_InBf16_MatchFp32WithinBf16Rounding()
    {
        if (!Bf16Kernel.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => new CpuBackend(CpuKernels.Fast, 2, MatrixPrecision.BFloat16));
            return;
        }
        using var fp32 = new SmallConvNet(Batch, new CpuBackend(CpuKernels.Fast, threads: 2), seed: 9);
        using var bf16 = new SmallConvNet(Batch, new CpuBackend(CpuKernels.Fast, threads: 2, MatrixPrecision.BFloat16), seed: 9);
        float[] input = RandomTestData.Uniform(Batch * SmallConvNet.InputSize, 4);
        float[] labels = RandomTestData.Labels(Batch, 10, 5);
        foreach (INetwork n in new INetwork[] { fp32, bf16 })
        {
            n.Training = false;
            n.Backend.Upload(input, n.Input.Slice(0, input.Length));
            n.Backend.Upload(labels, n.Labels.Slice(0, Batch));
            n.Forward(Batch);
            Loss.For(n).Compute(n, Batch);
            n.Backward(Batch);
        }

        AssertClose("output", NetworkTestData.Download(fp32, fp32.Output.Slice(0, Batch * 10)), NetworkTestData.Download(bf16, bf16.Output.Slice(0, Batch * 10)), 2e-2);
        // The gradient as a whole: single layers' gradients sum terms that cancel, and a max pool
        // routes a gradient elsewhere when bf16 reorders two nearly equal values, so one layer's
        // gradient can differ by several percent of its own (small) norm. Bf16OperatorTests checks
        // each layer tightly on bf16-exact values.
        AssertClose("gradients", NetworkTestData.Download(fp32, fp32.Gradients), NetworkTestData.Download(bf16, bf16.Gradients), 5e-2);
    }

    [Fact]
    public void Training_InBf16_FollowsFp32()
    {
        if (!Bf16Kernel.IsSupported) return; // the refusal is checked above
        float[] Train(MatrixPrecision precision)
        {
            using var network = new SmallConvNet(Batch, new CpuBackend(CpuKernels.Fast, threads: 2, precision), seed: 21);
            // Dropout draws the same masks in both: they come from the seed, not from the values.
            using var sgd = new Sgd(network, 0.05f, momentum: 0.9f);
            var step = new TrainingStep(network, Loss.For(network), sgd);
            float[] images = RandomTestData.Uniform(Batch * SmallConvNet.InputSize, 30);
            float[] labels = RandomTestData.Labels(Batch, 10, 31);
            for (int i = 0; i < 20; i++) step.Run(images, labels, Batch);
            return NetworkTestData.Download(network, network.Parameters);
        }

        AssertClose("parameters after 20 steps", Train(MatrixPrecision.Single), Train(MatrixPrecision.BFloat16), 2e-2);
    }

    // Relative to the tensor's norm: bf16 keeps 8 bits of mantissa (relative rounding 2⁻⁹ per operand).
    private static void AssertClose(string what, float[] expected, float[] actual, double tolerance)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            difference += Math.Pow(actual[i] - (double)expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        double relative = Math.Sqrt(difference / norm);
        Assert.True(relative <= tolerance, $"{what}: bf16 differs from fp32 by {relative:E2} of its norm.");
        Assert.True(relative > 0, $"{what}: bf16 equals fp32 exactly, so no bf16 product ran.");
    }
}

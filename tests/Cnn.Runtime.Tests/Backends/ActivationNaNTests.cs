using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>A NaN must survive ReLU and LeakyReLU, as in PyTorch, so that divergence shows in the loss instead of vanishing as 0.</summary>
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
}

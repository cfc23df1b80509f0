using System.Reflection;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Runtime.Tests.Backends;
using Xunit;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// A fused plan computes what the unfused one does: the same network with <c>[Network(Fuse = false)]</c>
/// gives the same outputs and gradients in training, and the same outputs in inference, where batch
/// norms are folded into the convolutions, on the fast kernels (fused in one pass) and the reference
/// kernels (the layers in sequence).
/// </summary>
public class FusedPlanTests
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void FuseFalse_KeepsEveryLayerAStepOfItsOwn()
    {
        static string[] FusedFields(Type type) => type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
            .Where(f => f.Name.EndsWith("FusedOp", StringComparison.Ordinal)).Select(f => f.Name).Order().ToArray();
        Assert.Equal(["_conv1FusedOp", "_conv2FusedOp", "_conv3FusedOp", "_fc1FusedOp"], FusedFields(typeof(FusionNet)));
        Assert.Empty(FusedFields(typeof(UnfusedFusionNet)));
    }

    [Theory]
    [InlineData(CpuKernels.Fast, 2)]
    [InlineData(CpuKernels.Fast, 1)]
    [InlineData(CpuKernels.Reference, 1)]
    public void Training_FusedAndUnfused_GiveTheSameOutputsAndGradients(CpuKernels kernels, int threads)
    {
        const int batch = 6;
        using var fused = new FusionNet(batch, new CpuBackend(kernels, threads), seed: 21);
        using var unfused = new UnfusedFusionNet(batch, new CpuBackend(kernels, threads), seed: 21);
        float[] input = RandomTestData.Uniform(batch * fused.InputShape.Size, 22);
        float[] outputGradient = RandomTestData.Uniform(batch * FusionNet.OutputSize, 23);
        foreach (INetwork network in new INetwork[] { fused, unfused })
        {
            network.Backend.Upload(input, network.Input);
            network.Forward(batch);
            network.Backend.Upload(outputGradient, network.OutputGradient);
            network.Backward(batch);
        }
        GradientCheck.AssertRelative(Output(unfused, batch), Output(fused, batch), Tolerance, "output");
        GradientCheck.AssertRelative(NetworkTestData.Download(unfused, unfused.Gradients), NetworkTestData.Download(fused, fused.Gradients), Tolerance, "gradients");
        GradientCheck.AssertRelative(NetworkTestData.Download(unfused, unfused.Buffers), NetworkTestData.Download(fused, fused.Buffers), Tolerance, "running statistics");

        // conv1's own output is before its fused ReLU: LayerOutput replays the layers one by one.
        float[] conv1 = NetworkTestData.Download(fused, fused.LayerOutput(0, batch));
        Assert.Contains(conv1, v => v < 0f);
        Assert.Equal(NetworkTestData.Download(unfused, unfused.LayerOutput(0, batch)), conv1);
    }

    [Theory]
    [InlineData(CpuKernels.Fast, 2, 5)]
    [InlineData(CpuKernels.Fast, 2, 1)]
    [InlineData(CpuKernels.Reference, 1, 5)]
    public void Inference_WithBatchNormsFoldedIntoConvolutions_MatchesTheUnfusedNetwork(CpuKernels kernels, int threads, int batch)
    {
        // Random weights (batch norm's γ and β included), then training forwards, so that the running statistics are far from 0 and 1.
        using var trained = new UnfusedFusionNet(8, new CpuBackend(kernels, threads), seed: 31);
        trained.Backend.Upload(RandomTestData.Uniform(trained.Parameters.Length, 39, -0.5f, 0.5f), trained.Parameters);
        for (int step = 0; step < 5; step++)
        {
            trained.Backend.Upload(RandomTestData.Uniform(8 * trained.InputShape.Size, 40UL + (ulong)step, -2, 3), trained.Input);
            trained.Forward(8);
        }
        float[] parameters = NetworkTestData.Download(trained, trained.Parameters), buffers = NetworkTestData.Download(trained, trained.Buffers);
        float[] input = RandomTestData.Uniform(batch * trained.InputShape.Size, 70);

        float[] Infer(INetwork network)
        {
            network.Backend.Upload(parameters, network.Parameters);
            network.Backend.Upload(buffers, network.Buffers);
            network.Backend.Upload(input, network.Input);
            network.Forward(batch);
            return Output(network, batch);
        }

        trained.Training = false;
        float[] expected = Infer(trained);
        using var fused = new FusionNet(batch, new CpuBackend(kernels, threads), 0, NetworkMode.Inference);
        using var unfused = new UnfusedFusionNet(batch, new CpuBackend(kernels, threads), 0, NetworkMode.Inference);
        Assert.Equal(expected, Infer(unfused));
        GradientCheck.AssertRelative(expected, Infer(fused), 1e-4, "folded inference output");
        Assert.Equal(buffers, NetworkTestData.Download(fused, fused.Buffers));
    }

    private static float[] Output(INetwork network, int batch) => NetworkTestData.Download(network, network.Output.Slice(0, batch * network.OutputSize));
}

using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Runtime.Tests.Backends;
using Xunit;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// The fast backend keeps each convolution's packed weights and each folded batch norm between
/// inference calls; every way of writing a network's parameters (an optimizer step, a batch norm's
/// training forward, <see cref="ModelFile.Load(INetwork, string, bool)"/>, Upload, a span write
/// followed by <see cref="NetworkParameters.ParametersChanged"/>) must reach the next forward pass.
/// Each output is checked against the same network on the reference kernels, given the fast
/// network's parameters and buffers as they are at that moment.
/// </summary>
public class ParameterVersionTests
{
    private const int Batch = 5;
    private const double Tolerance = 1e-4;

    [Fact]
    public void Inference_AfterEveryKindOfParameterWrite_UsesTheNewValues()
    {
        using var fast = new FusionNet(Batch, new CpuBackend(CpuKernels.Fast, 2), seed: 41);
        using var reference = new FusionNet(Batch, new CpuBackend(CpuKernels.Reference), seed: 0) { Training = false };
        float[] input = RandomTestData.Uniform(Batch * fast.InputShape.Size, 42, -2, 3);
        fast.Training = false;
        AssertMatches(fast, reference, input, "first call");
        AssertMatches(fast, reference, input, "second call");

        // An optimizer step: the convolution weights change (and a training forward moves the running statistics).
        using (var optimizer = new Sgd(fast, learningRate: 0.5f))
        {
            fast.Training = true;
            fast.Backend.Upload(input, fast.Input);
            fast.Forward(Batch);
            fast.Backend.Upload(RandomTestData.Uniform(Batch * FusionNet.OutputSize, 43), fast.OutputGradient);
            fast.Backward(Batch);
            optimizer.Step();
            fast.Training = false;
        }
        AssertMatches(fast, reference, input, "after an optimizer step");
        AssertMatches(fast, reference, input, "after an optimizer step, kept");

        // A training forward alone: only the running statistics change, and the folded batch norms follow.
        fast.Training = true;
        fast.Backend.Upload(RandomTestData.Uniform(Batch * fast.InputShape.Size, 44, -3, 5), fast.Input);
        fast.Forward(Batch);
        fast.Training = false;
        AssertMatches(fast, reference, input, "after a training forward");

        // ModelFile.Load of another network's values.
        string path = Path.Combine(Path.GetTempPath(), $"cnn-parameter-version-{Environment.ProcessId}.safetensors");
        try
        {
            using (var other = new FusionNet(Batch, new CpuBackend(CpuKernels.Reference), seed: 45))
            {
                other.Backend.Upload(RandomTestData.Uniform(other.Buffers.Length, 46, 0.5f, 1.5f), other.Buffers);
                ModelFile.Save(other, path);
            }
            ModelFile.Load(fast, path);
        }
        finally
        {
            File.Delete(path);
        }
        AssertMatches(fast, reference, input, "after Load");
        AssertMatches(fast, reference, input, "after Load, kept");

        // Upload of new parameters.
        fast.Backend.Upload(RandomTestData.Uniform(fast.Parameters.Length, 47, -0.5f, 0.5f), fast.Parameters);
        AssertMatches(fast, reference, input, "after Upload");
        AssertMatches(fast, reference, input, "after Upload, kept");

        // A write through a span the caller holds, declared with ParametersChanged.
        foreach (ref float value in CpuTensor.Span(fast.Parameters)) value = -value;
        foreach (ref float value in CpuTensor.Span(fast.Buffers)) value *= 1.5f;
        fast.ParametersChanged();
        AssertMatches(fast, reference, input, "after a span write and ParametersChanged");
    }

    [Fact]
    public void Inference_RepacksOnlyAfterAWrite()
    {
        using var fast = new FusionNet(Batch, new CpuBackend(CpuKernels.Fast, 2), seed: 51, NetworkMode.Inference);
        CpuWorkspace workspace = ((CpuBackend)fast.Backend).Workspace;
        fast.Backend.Upload(RandomTestData.Uniform(Batch * fast.InputShape.Size, 52), fast.Input);

        // The net's three convolutions run as GEMMs: each packs on the first two calls (the second
        // into a copy of its own), and never after while nothing is written.
        long Packs(int calls)
        {
            long before = workspace.WeightPacks;
            for (int i = 0; i < calls; i++) fast.Forward(Batch);
            return workspace.WeightPacks - before;
        }
        Assert.Equal(6, Packs(2));
        Assert.Equal(0, Packs(5));
        fast.Backend.Upload(RandomTestData.Uniform(Batch * fast.InputShape.Size, 53), fast.Input);
        Assert.Equal(0, Packs(1));
        fast.Forward(1);
        Assert.Equal(0, Packs(1));

        fast.Backend.Upload(RandomTestData.Uniform(fast.Parameters.Length, 54, -0.5f, 0.5f), fast.Parameters);
        Assert.Equal(6, Packs(2));
        Assert.Equal(0, Packs(3));
        fast.ParametersChanged();
        Assert.Equal(6, Packs(3));
    }

    private static void AssertMatches(INetwork fast, INetwork reference, float[] input, string step)
    {
        reference.Backend.Upload(NetworkTestData.Download(fast, fast.Parameters), reference.Parameters);
        reference.Backend.Upload(NetworkTestData.Download(fast, fast.Buffers), reference.Buffers);
        foreach (INetwork network in new[] { fast, reference })
        {
            network.Backend.Upload(input, network.Input);
            network.Forward(Batch);
        }
        GradientCheck.AssertRelative(Output(reference), Output(fast), Tolerance, step);
    }

    private static float[] Output(INetwork network) => NetworkTestData.Download(network, network.Output.Slice(0, Batch * network.OutputSize));
}

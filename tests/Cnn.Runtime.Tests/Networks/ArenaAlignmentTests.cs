using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>Every tensor of a generated network starts on a 64-byte boundary, and the padding between them stays harmless.</summary>
public class ArenaAlignmentTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(1000L)]
    public void CpuBuffers_Start64ByteAligned(long length)
    {
        for (int i = 0; i < 20; i++)
        {
            var buffer = new CpuBuffer(length);
            Assert.Equal(length, buffer.Data.Length);
            Assert.Equal(0, Address(buffer.Data) % CpuBuffer.Alignment);
        }
    }

    [Theory]
    [InlineData(CpuKernels.Reference)]
    [InlineData(CpuKernels.Fast)]
    public void GeneratedNetwork_PutsEveryTensorOn64Bytes(CpuKernels kernels)
    {
        using var network = new CompositionNet(3, new CpuBackend(kernels, threads: 2), seed: 1);

        Assert.All(network.ParameterInfos.Concat(network.BufferInfos), p => Assert.Equal(0, p.Offset % 16));
        Assert.Equal(0, Address(network.Parameters) % 64);
        Assert.Equal(0, Address(network.Gradients) % 64);
        Assert.Equal(0, Address(network.Buffers) % 64);
        Assert.Equal(0, Address(network.Input) % 64);
        Assert.Equal(0, Address(network.Output) % 64);
        Assert.Equal(0, Address(network.OutputGradient) % 64);
        Assert.Equal(0, Address(network.Labels) % 64);
        for (int layer = 0; layer < network.Layers.Count; layer++)
        {
            Assert.Equal(0, Address(network.LayerOutput(layer, 2)) % 64);
        }
    }

    [Fact]
    public void Padding_KeepsParameterCountAndStaysZeroThroughTraining()
    {
        using var network = new CompositionNet(3, new CpuBackend(CpuKernels.Fast, threads: 2), seed: 1);
        Assert.Equal(CompositionNet.ParameterCount, network.ParameterInfos.Sum(p => (long)p.Length));
        Assert.True(network.Parameters.Length >= CompositionNet.ParameterCount);

        var optimizer = new Cnn.Optimizers.Adam(network, learningRate: 0.01f, weightDecay: 0.1f) { L1 = 0.01f, L2 = 0.01f };
        for (int step = 0; step < 3; step++)
        {
            var random = new Random(step);
            network.Backend.Upload(Enumerable.Range(0, 3 * CompositionNet.InputSize).Select(_ => (float)random.NextDouble()).ToArray(), network.Input);
            network.Backend.Upload([0f, 1f, 2f], network.Labels);
            network.Forward(3);
            network.Backend.SoftmaxCrossEntropy(3, CompositionNet.OutputSize, network.Output, network.Labels, network.OutputGradient);
            network.Backward(3);
            optimizer.Step();
        }

        var used = new bool[network.Parameters.Length];
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            for (int i = 0; i < p.Length; i++) used[p.Offset + i] = true;
        }
        Span<float> parameters = CpuTensor.Span(network.Parameters), gradients = CpuTensor.Span(network.Gradients);
        for (int i = 0; i < used.Length; i++)
        {
            if (used[i]) continue;
            Assert.Equal(0f, parameters[i]);
            Assert.Equal(0f, gradients[i]);
        }
    }

    private static unsafe long Address(Tensor tensor) => Address(CpuTensor.Span(tensor));

    private static unsafe long Address(Span<float> span) => (long)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
}

using Cnn.Backends.Cpu;
using Cnn.Losses;
using Xunit;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// The generated Backward of a network with blocks, residual sums, concatenation and batch norm,
/// against central finite differences of its own forward pass (reference kernels, training mode).
/// Per-layer kernels are checked in double precision elsewhere; this checks how the generator wires
/// gradients through branches.
/// </summary>
public class CompositionGradientTests
{
    private const int Batch = 4;

    [Theory]
    [InlineData(CpuKernels.Reference)]
    [InlineData(CpuKernels.Fast)]
    public void BranchingNetwork_BackwardMatchesFiniteDifferences(CpuKernels kernels)
    {
        using var network = new CompositionNet(Batch, new CpuBackend(kernels), seed: 3);
        float[] input = RandomTestData.Uniform(Batch * CompositionNet.InputSize, 5);
        float[] labels = RandomTestData.Labels(Batch, 3, 6);
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Backend.Upload(labels, network.Labels.Slice(0, Batch));
        var loss = new CrossEntropyLoss();

        double Loss()
        {
            network.Forward(Batch);
            return loss.Compute(network, Batch);
        }

        Loss();
        network.Backward(Batch);
        float[] analytic = NetworkTestData.Download(network, network.Gradients);
        float[] parameters = NetworkTestData.Download(network, network.Parameters);

        const float h = 1e-3f;
        int checkedCount = 0;
        var failures = new List<string>();
        // Only the parameters themselves: the padding that aligns each one to 64 bytes is no parameter.
        foreach (int i in network.ParameterInfos.SelectMany(info => Enumerable.Range((int)info.Offset, info.Length)))
        {
            float saved = parameters[i];
            parameters[i] = saved + h;
            network.Backend.Upload(parameters, network.Parameters);
            double plus = Loss();
            parameters[i] = saved - h;
            network.Backend.Upload(parameters, network.Parameters);
            double minus = Loss();
            parameters[i] = saved;
            network.Backend.Upload(parameters, network.Parameters);

            double numeric = (plus - minus) / (2 * h);
            ParameterInfo p = network.ParameterInfos.Last(p => p.Offset <= i);
            // A float32 loss of about 1 moves in steps of 6e-8, so differences over 2h are only known to ±1.2e-4.
            double allowed = 2e-2 * (Math.Abs(numeric) + Math.Abs(analytic[i])) + 2.5e-4;
            if (Math.Abs(numeric - analytic[i]) > allowed) failures.Add($"{p.Name}[{i - p.Offset}]: finite difference {numeric:G6}, backward {analytic[i]:G6}");
            checkedCount++;
        }
        Assert.Equal(CompositionNet.ParameterCount, checkedCount);
        Assert.True(failures.Count == 0, $"{failures.Count} gradients differ, e.g.\n" + string.Join("\n", failures.GroupBy(f => f.Split('[')[0]).Select(g => g.First())));
    }

    [Fact]
    public void BatchNorm_UpdatesRunningStatisticsOnlyInTraining()
    {
        using var network = new CompositionNet(Batch, seed: 3);
        float[] input = RandomTestData.Uniform(Batch * CompositionNet.InputSize, 5);
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        float[] initial = NetworkTestData.Download(network, network.Buffers);

        network.Training = false;
        network.Forward(Batch);
        Assert.Equal(initial, NetworkTestData.Download(network, network.Buffers));

        network.Training = true;
        network.Forward(Batch);
        network.Forward(Batch);
        float[] after = NetworkTestData.Download(network, network.Buffers);
        Assert.NotEqual(initial, after);
        ParameterInfo tracked = network.BufferInfos.First(b => b.Role == ParameterRole.BatchesTracked);
        Assert.Equal(2f, after[tracked.Offset]);
    }
}

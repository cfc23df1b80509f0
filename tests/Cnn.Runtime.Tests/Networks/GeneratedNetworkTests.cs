using Xunit;
using Cnn.Backends.Cpu;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>What every generated network promises at run time.</summary>
public class GeneratedNetworkTests
{
    [Fact]
    public void Initialize_FollowsPyTorchDefaultBounds_PerParameter()
    {
        using var network = new SmallConvNet(2, seed: 3);
        foreach (ParameterInfo p in network.ParameterInfos)
        {
            float[] values = NetworkTestData.Download(network, network.Parameters.Slice((int)p.Offset, p.Length));
            double bound = 1 / Math.Sqrt(p.FanIn);
            Assert.All(values, v => Assert.InRange(v, -bound, bound));
            if (p.Length >= 1000)
            {
                // U(-b, b) has standard deviation b/√3.
                double std = Math.Sqrt(values.Select(v => (double)v * v).Average());
                Assert.InRange(std, 0.95 * bound / Math.Sqrt(3), 1.05 * bound / Math.Sqrt(3));
            }
        }
        Assert.Equal(8 * 9, network.ParameterInfos.Single(p => p.Name == "conv2.weight").FanIn);
    }

    [Fact]
    public void Initialize_IsDeterministicPerSeed()
    {
        using var a = new SmallConvNet(2, seed: 5);
        using var b = new SmallConvNet(2, seed: 5);
        using var c = new SmallConvNet(2, seed: 6);
        Assert.Equal(NetworkTestData.Download(a, a.Parameters), NetworkTestData.Download(b, b.Parameters));
        Assert.NotEqual(NetworkTestData.Download(a, a.Parameters), NetworkTestData.Download(c, c.Parameters));
    }

    [Fact]
    public void Initialize_InChunks_GivesEachParameterItsOnePassStream()
    {
        // fc.weight has 1,122,000 values, more than the 1,048,576 the initializer fills at a time.
        using var network = new WideLinearNet(1, seed: 7);
        for (int i = 0; i < network.ParameterInfos.Count; i++)
        {
            ParameterInfo p = network.ParameterInfos[i];
            float[] expected = new float[p.Length];
            ParameterInitializer.Fill(expected, p, SeededRandom.ForStream(7, (ulong)i));
            Assert.Equal(expected, NetworkTestData.Download(network, network.Parameters.Slice((int)p.Offset, p.Length)));
        }
        Assert.True(network.ParameterInfos[0].Length > 1 << 20);
    }

    [Fact]
    public void CompileTimeSummaryAndCounts_AgreeWithTheParameterList()
    {
        Assert.Equal(SmallConvNet.ParameterCount, new SmallConvNet(1).ParameterInfos.Sum(p => (long)p.Length));
        Assert.Equal(8 * 9 + 8 + 16 * 8 * 9 + 16 + 144 * 32 + 32 + 32 * 10 + 10, SmallConvNet.ParameterCount);
        Assert.Contains("Total params: 6,218", SmallConvNet.Summary);
        Assert.Contains("conv2 (Conv2d)", SmallConvNet.Summary);
        Assert.Contains("(N, 16, 3, 3)", SmallConvNet.Summary);
        Assert.Equal(new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias" },
            new SmallConvNet(1).ParameterInfos.Select(p => p.Name));
    }

    [Fact]
    public void NamedViews_PointAtTheirParameters()
    {
        using var network = new SmallConvNet(1, seed: 1);
        ParameterInfo fc1 = network.ParameterInfos.Single(p => p.Name == "fc1.weight");
        Assert.Equal(fc1.Offset, network.Fc1Weight.Offset);
        Assert.Equal(fc1.Length, network.Fc1Weight.Length);
        Assert.Equal(fc1.Offset, network.Fc1WeightGradient.Offset);
        Assert.NotSame(network.Fc1Weight.Buffer, network.Fc1WeightGradient.Buffer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Forward_RejectsBatchOutsideTheAllocatedRange(int batch)
    {
        using var network = new SmallConvNet(4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => network.Forward(batch));
        Assert.Contains("SmallConvNet was built for batches of 1 to 4", error.Message);
    }

    [Fact]
    public void FastAndReferenceBackends_RunTheSameClassToTheSameResult()
    {
        using var fast = new GradientCheckNet(7, new CpuBackend(CpuKernels.Fast), seed: 9);
        using var reference = new GradientCheckNet(7, new CpuBackend(CpuKernels.Reference), seed: 9);
        float[] input = RandomTestData.Uniform(7 * GradientCheckNet.InputSize, 4);
        float[] labels = RandomTestData.Labels(7, 3, 5);
        float[][] results = new[] { (INetwork)fast, reference }.Select(n =>
        {
            n.Training = false;
            n.Backend.Upload(input, n.Input.Slice(0, input.Length));
            n.Backend.Upload(labels, n.Labels.Slice(0, 7));
            n.Forward(7);
            new CrossEntropyLoss().Compute(n, 7);
            n.Backward(7);
            return NetworkTestData.Download(n, n.Output.Slice(0, 21)).Concat(NetworkTestData.Download(n, n.Gradients)).ToArray();
        }).ToArray();
        for (int i = 0; i < results[0].Length; i++)
        {
            Assert.True(Math.Abs(results[0][i] - results[1][i]) <= 1e-4 * Math.Max(1, Math.Abs(results[1][i])), $"element {i}: {results[0][i]} vs {results[1][i]}");
        }
    }

    [Fact]
    public void TrainingStep_AllocatesNothingAfterWarmUp()
    {
        using var network = new SmallConvNet(16, new CpuBackend(CpuKernels.Fast, threads: 2), seed: 1);
        using var adam = new Adam(network) { L2 = 1e-4f };
        var step = new TrainingStep(network, Loss.For(network), adam);
        float[] images = RandomTestData.Uniform(16 * SmallConvNet.InputSize, 2);
        float[] labels = RandomTestData.Labels(16, 10, 3);
        // Long enough for tiered compilation to settle, so that only steady-state steps are measured.
        for (int i = 0; i < 60; i++) step.Run(images, labels, i % 2 == 0 ? 16 : 9);

        long allocated = SteadyStateAllocation.Bytes(() =>
        {
            for (int i = 0; i < 20; i++) step.Run(images, labels, i % 2 == 0 ? 16 : 9);
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Training_IsDeterministicForASeedAndThreadCount()
    {
        float[] Train()
        {
            using var network = new SmallConvNet(8, new CpuBackend(CpuKernels.Fast, threads: 2), seed: 21);
            using var sgd = new Sgd(network, 0.05f, momentum: 0.9f, nesterov: true);
            var step = new TrainingStep(network, Loss.For(network), sgd);
            for (int i = 0; i < 5; i++)
            {
                step.Run(RandomTestData.Uniform(8 * SmallConvNet.InputSize, (ulong)i), RandomTestData.Labels(8, 10, (ulong)i + 100), 8);
            }
            return NetworkTestData.Download(network, network.Parameters);
        }

        float[] first = Train(), second = Train();
        Assert.Equal(first, second);
    }

    [Fact]
    public void Dropout_IsActiveInTrainingAndTheIdentityInEvaluation()
    {
        using var network = new SmallConvNet(4, seed: 2);
        float[] input = RandomTestData.Uniform(4 * SmallConvNet.InputSize, 8);
        float[] Run(bool training)
        {
            network.Training = training;
            network.Backend.Upload(input, network.Input.Slice(0, input.Length));
            network.Forward(4);
            return NetworkTestData.Download(network, network.Output.Slice(0, 40));
        }

        float[] eval1 = Run(false), eval2 = Run(false), train1 = Run(true), train2 = Run(true);
        Assert.Equal(eval1, eval2);
        Assert.NotEqual(eval1, train1);
        Assert.NotEqual(train1, train2); // a fresh mask each step
    }

    [Fact]
    public void LayerOutputs_AreListedInOrder_AndHoldTheForwardValues()
    {
        using var network = new SmallConvNet(3, seed: 2);
        Assert.Equal(new[] { "conv1", "maxpool1", "relu1", "conv2", "maxpool2", "relu2", "flatten1", "dropout1", "fc1", "relu3", "fc2" },
            network.Layers.Select(l => l.Name));
        Assert.Equal(new TensorShape(8, 12, 12), network.Layers[0].OutputShape);
        Assert.Equal(TensorShape.Flat(144), network.Layers[6].OutputShape);

        network.Training = false;
        float[] input = RandomTestData.Uniform(3 * SmallConvNet.InputSize, 4);
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Forward(3);
        Assert.Equal(NetworkTestData.Download(network, network.Output.Slice(0, 30)), NetworkTestData.Download(network, network.LayerOutput(10, 3)));
        float[] relu = NetworkTestData.Download(network, network.LayerOutput(2, 3));
        Assert.Equal(3 * 8 * 6 * 6, relu.Length);
        Assert.All(relu, v => Assert.True(v >= 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.LayerOutput(11, 1));
    }
}

[Network]
[Input(1, 33, 34)]
[Flatten]
[Linear("fc", 1000)]
public partial class WideLinearNet { }

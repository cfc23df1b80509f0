using Xunit;
using Cnn.Losses;
using Cnn.Training;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// Generated networks share activation buffers by liveness (and, in inference, keep nothing for a
/// backward pass): outputs, layer outputs and running statistics must not show it.
/// </summary>
public class PlannedArenaTests
{
    private static float[] Run(INetwork network, int batch, ulong seed)
    {
        float[] input = RandomTestData.Uniform(batch * network.InputShape.Size, seed);
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Forward(batch);
        return NetworkTestData.Download(network, network.Output.Slice(0, batch * network.OutputSize));
    }

    [Fact]
    public void InferenceNetwork_GivesTheTrainingNetworksEvaluationOutputs_LayerByLayer()
    {
        using var training = new CompositionNet(3, seed: 7) { Training = false };
        using var inference = new CompositionNet(3, null, 7, NetworkMode.Inference);

        Assert.Equal(NetworkMode.Inference, inference.Mode);
        Assert.False(inference.Training);
        Assert.Equal(Run(training, 3, 11), Run(inference, 3, 11));
        for (int layer = 0; layer < training.Layers.Count; layer++)
        {
            Assert.Equal(NetworkTestData.Download(training, training.LayerOutput(layer, 3)), NetworkTestData.Download(inference, inference.LayerOutput(layer, 3)));
        }
        float[] sample = RandomTestData.Uniform(training.InputShape.Size, 12);
        Assert.Equal(training.PredictProbabilities(sample), inference.PredictProbabilities(sample));
    }

    [Fact]
    public void Backward_AfterAnEvaluationForward_ReplaysItKeepingTheCompactMasks()
    {
        // SmallConvNet's max pools keep byte indices in training; an evaluation forward skips them, so
        // Backward must replay it. With dropout off, training and evaluation compute the same function.
        const int batch = 3;
        float[] Gradients(bool training)
        {
            using var network = new SmallConvNet(batch, seed: 4) { Training = training, DropoutEnabled = false };
            float[] labels = { 1, 0, 2 };
            network.Backend.Upload(labels, network.Labels.Slice(0, batch));
            Run(network, batch, 21);
            Loss.For(network).Compute(network, batch);
            network.Backward(batch);
            return NetworkTestData.Download(network, network.Gradients);
        }

        float[] evaluation = Gradients(training: false), training = Gradients(training: true);
        Assert.Contains(training, g => g != 0f);
        Assert.Equal(training, evaluation);
    }

    [Fact]
    public void LayerOutput_ReplaysEachLayerFromItsInput()
    {
        // conv1 → maxpool1 (2×2) → relu1: each replayed output follows from the one before it.
        using var network = new SmallConvNet(2, seed: 2) { Training = false };
        Run(network, 2, 5);
        float[] conv = NetworkTestData.Download(network, network.LayerOutput(0, 2));
        float[] pool = NetworkTestData.Download(network, network.LayerOutput(1, 2));
        float[] relu = NetworkTestData.Download(network, network.LayerOutput(2, 2));

        for (int plane = 0; plane < 2 * 8; plane++)
        {
            for (int y = 0; y < 6; y++)
            {
                for (int x = 0; x < 6; x++)
                {
                    float max = float.NegativeInfinity;
                    for (int dy = 0; dy < 2; dy++)
                    {
                        for (int dx = 0; dx < 2; dx++) max = Math.Max(max, conv[plane * 144 + (2 * y + dy) * 12 + 2 * x + dx]);
                    }
                    Assert.Equal(max, pool[plane * 36 + y * 6 + x]);
                    Assert.Equal(Math.Max(max, 0f), relu[plane * 36 + y * 6 + x]);
                }
            }
        }
    }

    [Fact]
    public void LayerOutput_InTraining_ReplaysTheSameDropoutMasks_AndLeavesTheRunningStatistics()
    {
        using var dropout = new SmallConvNet(2, seed: 3);
        float[] output = Run(dropout, 2, 6);
        Assert.Equal(output, NetworkTestData.Download(dropout, dropout.LayerOutput(dropout.Layers.Count - 1, 2)));
        Assert.Equal(NetworkTestData.Download(dropout, dropout.LayerOutput(7, 2)), NetworkTestData.Download(dropout, dropout.LayerOutput(7, 2)));

        using var norm = new CompositionNet(2, seed: 4);
        output = Run(norm, 2, 8);
        float[] statistics = NetworkTestData.Download(norm, norm.Buffers);
        Assert.Equal(output, NetworkTestData.Download(norm, norm.LayerOutput(norm.Layers.Count - 1, 2)));
        Assert.Equal(statistics, NetworkTestData.Download(norm, norm.Buffers));
    }

    [Fact]
    public void InferenceNetwork_RefusesTraining_NamingTheNetwork_ButComputesALoss()
    {
        using var network = new SmallConvNet(2, null, 1, NetworkMode.Inference);
        Run(network, 2, 3);

        var backward = Assert.Throws<InvalidOperationException>(() => network.Backward(2));
        Assert.Contains("SmallConvNet was built for inference", backward.Message);
        Assert.Contains("NetworkMode.Training", backward.Message);
        Assert.Throws<InvalidOperationException>(() => network.Gradients);
        Assert.Throws<InvalidOperationException>(() => network.Fc1WeightGradient);
        Assert.Throws<InvalidOperationException>(() => network.Training = true);
        network.Training = false;

        network.Backend.Upload(new float[] { 1, 4 }, network.Labels.Slice(0, 2));
        Assert.True(float.IsFinite(Loss.For(network).Compute(network, 2)));
    }
}

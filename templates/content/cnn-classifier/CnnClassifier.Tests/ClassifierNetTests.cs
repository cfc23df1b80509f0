using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace CnnClassifier.Tests;

public class ClassifierNetTests
{
    [Fact]
    public void Summary_CountsTheTutorialNetworksParameters()
    {
        Assert.Equal(421_642, ClassifierNet.ParameterCount);
    }

    [Fact]
    public void TwoEpochsOnSyntheticData_LowerTheLoss()
    {
        var data = SyntheticData.Create(200, seed: 1);
        using var net = new ClassifierNet(maxBatchSize: 50, seed: 1);
        using var optimizer = new Adam(net, 1e-3f);
        var history = net.Fit(data, validation: null, new FitOptions { Optimizer = optimizer, Epochs = 2, BatchSize = 50, Seed = 1 });
        Assert.True(history[1].Loss < history[0].Loss, $"{history[0].Loss} then {history[1].Loss}");
    }
}

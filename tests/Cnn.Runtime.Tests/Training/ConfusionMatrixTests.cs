using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class ConfusionMatrixTests
{
    [Fact]
    public void ConfusionMatrix_CountsTrueAgainstPredictedClasses()
    {
        var matrix = new ConfusionMatrix(["cat", "dog", "bird"]);
        (int Actual, int Predicted)[] pairs = [(0, 0), (0, 0), (0, 1), (1, 1), (2, 0), (2, 2), (2, 2), (2, 2)];
        foreach ((int a, int p) in pairs) matrix.Add(a, p);

        Assert.Equal(8, matrix.Total);
        Assert.Equal([2L, 1, 0, 0, 1, 0, 1, 0, 3], matrix.Counts.ToArray());
        Assert.Equal(6.0 / 8, matrix.Accuracy);
        Assert.Equal(2.0 / 3, matrix.Recall(0));
        Assert.Equal(2.0 / 3, matrix.Precision(0)); // predicted cat: 2 cats and a bird
        Assert.Equal(0.5, matrix.Precision(1));
        Assert.Equal(4, matrix.Support(2));
        Assert.Contains("bird", matrix.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Add(3, 0));
    }

    [Fact]
    public void Trainer_ConfusionMatrix_AgreesWithEvaluateAndPredict()
    {
        ImageDataset train = TrainingData.Patterns(150, 1), test = TrainingData.Patterns(40, 2);
        using var network = new PatternNet(32, seed: 3);
        using var optimizer = new Adam(network, 0.05f);
        network.Fit(train, null, new FitOptions { Optimizer = optimizer, Epochs = 2, BatchSize = 32, Seed = 1 });

        ConfusionMatrix matrix = network.ConfusionMatrix(test, batchSize: 16);

        Assert.Equal(test.ClassNames, matrix.ClassNames);
        Assert.Equal(40, matrix.Total);
        Assert.Equal(network.Evaluate(test).Accuracy, matrix.Accuracy, 12);
        for (int c = 0; c < 3; c++) Assert.Equal(test.CountPerClass()[c], matrix.Support(c));
        var expected = new long[9];
        for (int i = 0; i < test.Count; i++) expected[test.GetLabel(i) * 3 + network.Predict(test.GetImage(i), test.ClassNames).ClassIndex]++;
        Assert.Equal(expected, matrix.Counts.ToArray());
    }
}

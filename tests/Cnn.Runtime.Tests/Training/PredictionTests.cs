using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class PredictionTests
{
    [Fact]
    public void MostProbableClass_NamesItsIndexNameAndConfidence()
    {
        var prediction = new Prediction(["cat", "dog", "bird"], [0.2f, 0.7f, 0.1f]);
        Assert.Equal((1, "dog", 0.7f), (prediction.ClassIndex, prediction.ClassName, prediction.Confidence));
    }

    [Fact]
    public void Top_OrdersByProbability_ThenByClass()
    {
        var prediction = new Prediction(["a", "b", "c", "d"], [0.3f, 0.1f, 0.3f, 0.3f]);
        Assert.Equal([("a", 0.3f), ("c", 0.3f), ("d", 0.3f)], prediction.Top(3));
        Assert.Equal(4, prediction.Top(10).Count);
        Assert.Equal(0, prediction.ClassIndex); // the first of equals
    }

    [Fact]
    public void ClassNamesAndProbabilitiesOfDifferentCounts_AreRefused() =>
        Assert.Throws<ArgumentException>(() => new Prediction(["a", "b"], [1f]));
}

using Cnn.Data;
using Cnn.Data.Transforms;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class TestTimeAugmentationTests
{
    [Fact]
    public void EvaluateTta_AveragesThePlainAndMirroredProbabilities_AsTwoSeparatePredictions()
    {
        ImageDataset train = TrainingData.Patterns(150, 1), test = TrainingData.Patterns(40, 2);
        var normalization = new Normalization([0.3f], [0.25f]);
        using var network = new PatternNet(32, seed: 3);
        using var optimizer = new Adam(network, 0.02f);
        network.Fit(train, null, new FitOptions { Optimizer = optimizer, Epochs = 1, BatchSize = 32, Seed = 1, Normalization = normalization });

        // 40 samples in batches of 16: the last batch is partial.
        Evaluation tta = network.EvaluateTta(test, [new RandomHorizontalFlip(1f)], batchSize: 16, normalization);

        // Reference: one Predict of each image and one of its mirror image (a "left column" turns into a
        // right column, so the two views disagree), averaged in double precision.
        long correct = 0;
        double loss = 0;
        for (int i = 0; i < test.Count; i++)
        {
            float[] image = test.GetImage(i).ToArray();
            float[] mirrored = new float[16];
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++) mirrored[y * 4 + x] = image[y * 4 + 3 - x];
            float[] plain = network.PredictProbabilities(image, 3, normalization);
            float[] flipped = network.PredictProbabilities(mirrored, 3, normalization);
            double[] mean = [.. Enumerable.Range(0, 3).Select(c => (plain[c] + (double)flipped[c]) / 2)];
            int best = Array.IndexOf(mean, mean.Max());
            if (best == test.GetLabel(i)) correct++;
            loss -= Math.Log(mean[test.GetLabel(i)]);
        }
        Assert.Equal(40, tta.Count);
        Assert.Equal(correct / 40.0, tta.Accuracy, 12);
        Assert.Equal(loss / 40, tta.Loss, 5);
        // The mirror view matters here: the plain evaluation differs.
        Assert.NotEqual(network.Evaluate(test, 16, normalization).Loss, tta.Loss, 3);
    }

    [Fact]
    public void EvaluateTta_WithoutViews_MatchesEvaluate()
    {
        ImageDataset train = TrainingData.Patterns(150, 1), test = TrainingData.Patterns(40, 2);
        using var network = new PatternNet(32, seed: 3);
        using var optimizer = new Adam(network, 0.02f);
        network.Fit(train, null, new FitOptions { Optimizer = optimizer, Epochs = 1, BatchSize = 32, Seed = 1 });

        Evaluation plain = network.Evaluate(test, 16), tta = network.EvaluateTta(test, [], 16);

        Assert.Equal(plain.Accuracy, tta.Accuracy, 12);
        // PatternNet is trained with cross-entropy on logits: the mean -log softmax of the label.
        Assert.Equal(plain.Loss, tta.Loss, 4);
    }

    [Fact]
    public void EvaluateTta_ViewThatChangesTheShape_IsRejected()
    {
        ImageDataset test = TrainingData.Patterns(8, 2);
        using var network = new PatternNet(8, seed: 3);

        var error = Assert.Throws<ArgumentException>(() => network.EvaluateTta(test, [new CenterCrop(2)]));
        Assert.Equal("views", error.ParamName);
        Assert.Contains("CenterCrop", error.Message);
    }
}

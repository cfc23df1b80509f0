using Xunit;
using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Runtime.Tests.Networks;
using Cnn.Training;

namespace Cnn.Runtime.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void Fit_LearnsASeparableProblem_AndReportsEveryEpoch()
    {
        ImageDataset train = TrainingData.Patterns(300, 1), validation = TrainingData.Patterns(90, 2);
        using var network = new SoftmaxNet(32, seed: 4);
        using var optimizer = new Adam(network, 0.05f);

        IReadOnlyList<EpochResult> history = network.Fit(train, validation, new FitOptions { Optimizer = optimizer, Epochs = 8, BatchSize = 32, Seed = 3 });

        Assert.Equal(Enumerable.Range(1, 8), history.Select(h => h.Epoch));
        Assert.True(history[^1].Loss < history[0].Loss, "training loss should fall");
        Assert.True(history[^1].ValidationAccuracy > 0.95, $"validation accuracy {history[^1].ValidationAccuracy}");
        Assert.All(history, h => Assert.True(h.ImagesPerSecond > 0 && h.ValidationLoss is not null));

        Evaluation evaluation = network.Evaluate(validation);
        Assert.Equal(history[^1].ValidationAccuracy!.Value, evaluation.Accuracy, 6);
        Assert.Equal(90, evaluation.Count);
    }

    [Fact]
    public void Predict_GivesTheClassNameAndSoftmaxConfidence()
    {
        ImageDataset data = TrainingData.Patterns(300, 5);
        using var network = new SoftmaxNet(32, seed: 4);
        using var optimizer = new Adam(network, 0.05f);
        network.Fit(data, null, new FitOptions { Optimizer = optimizer, Epochs = 8, BatchSize = 32 });

        for (int i = 0; i < 10; i++)
        {
            Prediction prediction = network.Predict(data.GetImage(i), data.ClassNames);
            Assert.Equal(data.ClassNames[data.GetLabel(i)], prediction.ClassName);
            Assert.Equal(data.GetLabel(i), prediction.ClassIndex);
            Assert.InRange(prediction.Confidence, 1f / 3, 1f);
        }
    }

    [Fact]
    public void Predict_ConfidenceIsTheSoftmaxOfLogSoftmaxOutputs()
    {
        using var network = new TinyMlp(1, seed: 2);
        float[] sample = { 0.5f, -1, 2, 0.25f };
        Prediction prediction = network.Predict(sample, new[] { "a", "b" });
        float[] logProbabilities = NetworkTestData.Download(network, network.Output.Slice(0, 2));
        Assert.Equal(MathF.Exp(logProbabilities.Max()), prediction.Confidence, 5);
        Assert.Equal(1.0, logProbabilities.Sum(v => Math.Exp(v)), 5);
        for (int c = 0; c < 2; c++) Assert.Equal(MathF.Exp(logProbabilities[c]), prediction.Probabilities[c], 5);
    }

    [Fact]
    public void PredictProbabilities_OverFewerClassesThanOutputs_RenormalisesTheFirstOnes()
    {
        using var network = new SoftmaxNet(1, seed: 3);
        float[] sample = RandomTestData.Uniform(16, 9);
        float[] all = network.PredictProbabilities(sample);
        float[] two = network.PredictProbabilities(sample, classes: 2);

        Assert.Equal(1.0, all.Sum(), 5);
        Assert.Equal(all[0] / (all[0] + all[1]), two[0], 5);
        Assert.Equal(all[1] / (all[0] + all[1]), two[1], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => network.PredictProbabilities(sample, classes: 4));
    }

    [Fact]
    public void Fit_StopsWithAClearErrorWhenTheLossDiverges()
    {
        ImageDataset data = TrainingData.Patterns(64, 1);
        float[] poisoned = data.Pixels.ToArray();
        poisoned[0] = float.NaN;
        var bad = new ImageDataset(poisoned, data.Labels, data.SampleShape, data.ClassNames);
        using var network = new SoftmaxNet(32);
        using var optimizer = new Sgd(network, 0.1f);

        var error = Assert.Throws<TrainingDivergedException>(() => network.Fit(bad, null, new FitOptions { Optimizer = optimizer, Shuffle = false, BatchSize = 32 }));
        Assert.Equal(1, error.Epoch);
        Assert.Equal(1, error.Batch);
    }

    [Fact]
    public void Fit_RejectsDataOfTheWrongShape()
    {
        var data = new ImageDataset(new float[2 * 9], new[] { 0, 1 }, new TensorShape(1, 3, 3), new[] { "a", "b" });
        using var network = new SoftmaxNet(4);
        using var optimizer = new Sgd(network, 0.1f);
        var error = Assert.Throws<ArgumentException>(() => network.Fit(data, null, new FitOptions { Optimizer = optimizer, BatchSize = 4 }));
        Assert.Contains("(1, 4, 4)", error.Message);
        Assert.Contains("(1, 3, 3)", error.Message);
    }

    [Fact]
    public void ConsoleProgress_PrintsPlainLinesWhenNotATerminal()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, interactive: false);
        for (int batch = 1; batch <= 100; batch++)
        {
            progress.Report(new TrainingProgress(1, 2, batch, 100, 0.5, 0.75, 1000, TimeSpan.FromSeconds(batch), batch == 100));
        }
        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 10, 12);
        Assert.DoesNotContain('\r', writer.ToString());
        Assert.Contains("loss 0.5000", lines[^1]);
        Assert.Contains("ETA", lines[0]);
    }

    [Fact]
    public void ConsoleProgress_EndsAnEpochWithValidationAndRate_AndRedrawsInPlaceOnATerminal()
    {
        var writer = new StringWriter();
        var progress = new ConsoleProgress(writer, interactive: true);
        progress.Report(new TrainingProgress(1, 1, 5, 10, 0.5, 0.75, 1000, TimeSpan.FromSeconds(30), false));
        progress.Report(new TrainingProgress(1, 1, 10, 10, 0.25, 0.875, 1000, TimeSpan.FromSeconds(60), true)
        {
            ValidationLoss = 0.3, ValidationAccuracy = 0.8, LearningRate = 0.001,
        });
        string text = writer.ToString();
        Assert.StartsWith("\r", text);
        Assert.Contains("ETA 0:30", text);
        string last = text.Split('\r')[^1];
        Assert.Contains("val_loss 0.3000", last);
        Assert.Contains("val_acc 80.00", last);
        Assert.Contains("lr 0.001", last);
        Assert.EndsWith(Environment.NewLine, last);
    }

    [Fact]
    public void Fit_ReportsProgressToTheGivenReporter()
    {
        var reports = new List<TrainingProgress>();
        using var network = new SoftmaxNet(32, seed: 4);
        using var optimizer = new Adam(network, 0.05f);
        network.Fit(TrainingData.Patterns(96, 1), TrainingData.Patterns(30, 2), new FitOptions
        {
            Optimizer = optimizer, Epochs = 2, BatchSize = 32, Progress = new SynchronousProgress(reports.Add),
        });
        Assert.Equal(6, reports.Count); // batches 1 and 2, then the epoch's end, twice
        Assert.Equal([false, false, true, false, false, true], reports.Select(r => r.EpochFinished));
        Assert.NotNull(reports[2].ValidationLoss);
        Assert.Equal(0.05f, (float)reports[2].LearningRate);
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

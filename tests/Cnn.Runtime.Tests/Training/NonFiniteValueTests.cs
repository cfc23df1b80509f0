using Cnn.Data;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

/// <summary>Non-finite weights are never saved over a good file, and a non-finite input never becomes an answer.</summary>
public sealed class NonFiniteValueTests
{
    /// <summary>What one step with a huge learning rate does: finite loss, then weights beyond float's range.</summary>
    private static LambdaCallback BlowUpAt(int epoch, int batch) => new()
    {
        BatchEnd = (context, b) =>
        {
            if (b.Epoch != epoch || b.Batch != batch) return;
            INetwork network = context.Network;
            float[] parameters = TrainingData.Parameters(network);
            parameters[3] = float.PositiveInfinity;
            parameters[^2] = float.NaN;
            network.Backend.Upload(parameters, network.Parameters);
        },
    };

    [Fact]
    public void ModelCheckpoint_AfterAStepThatBlewUpTheWeights_KeepsTheLastGoodFile()
    {
        using var directory = new TrainingData.TempDirectory();
        string path = directory.File("best.safetensors");
        using var network = new PatternNet(10, seed: 4);
        using var optimizer = new Adam(network, 0.02f);
        float[]? afterEpoch1 = null;
        var checkpoint = new ModelCheckpoint(path, monitor: "loss");
        var log = new StringWriter();
        network.Fit(CheckpointFiles.Train, null, CheckpointFiles.Options(optimizer) with
        {
            Epochs = 2, Log = log,
            Callbacks = [new LambdaCallback { EpochEnd = (c, r) => { if (r.Epoch == 1) afterEpoch1 = TrainingData.Parameters(c.Network); } }, BlowUpAt(2, 4), checkpoint],
        });

        Assert.Equal(1, checkpoint.LastSavedEpoch);
        using var loaded = new PatternNet(10, seed: 9);
        ModelFile.Load(loaded, path);
        Assert.Equal(afterEpoch1, TrainingData.Parameters(loaded));
        Assert.Contains("not finite", log.ToString());
    }

    [Fact]
    public void CheckpointEveryEpoch_AfterAStepThatBlewUpTheWeights_KeepsThePreviousCheckpoint()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(10, seed: 4);
        using var optimizer = new Adam(network, 0.02f);
        network.Fit(CheckpointFiles.Train, null, CheckpointFiles.Options(optimizer) with
        {
            Epochs = 2, CheckpointDirectory = directory.Path, CheckpointEveryEpoch = true, Callbacks = [BlowUpAt(2, 4)],
        });

        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(directory.Path);
        Assert.Equal((2, 4L), (checkpoint.Epoch, checkpoint.Step));
        using var resumed = new PatternNet(10, seed: 9);
        using var resumedOptimizer = new Adam(resumed, 0.02f);
        resumed.Resume(directory.Path, CheckpointFiles.Train, null, CheckpointFiles.Options(resumedOptimizer) with { Epochs = 2 });
        Assert.All(TrainingData.Parameters(resumed), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Predict_OnANaNInput_Throws_NamingTheValue()
    {
        ImageDataset data = TrainingData.Patterns(4, 3);
        using var network = new PatternNet(10, seed: 4);
        float[] sample = data.GetImage(0).ToArray();
        sample[5] = float.NaN;

        var error = Assert.Throws<ArgumentException>(() => network.Predict(sample, data.ClassNames));

        Assert.Contains("value 5", error.Message);
    }

    [Fact]
    public void Predict_WithNonFiniteWeights_Throws_NamingTheTensor()
    {
        ImageDataset data = TrainingData.Patterns(4, 3);
        using var network = new PatternNet(10, seed: 4);
        float[] parameters = TrainingData.Parameters(network);
        parameters[0] = float.NaN; // conv.weight
        network.Backend.Upload(parameters, network.Parameters);

        var error = Assert.Throws<InvalidOperationException>(() => network.Predict(data.GetImage(0), data.ClassNames));

        Assert.Contains("'conv.weight'", error.Message);
    }

    [Fact]
    public void Evaluate_OnANaNSample_Throws_NamingTheSample()
    {
        ImageDataset data = TrainingData.Patterns(40, 3);
        using var network = new PatternNet(10, seed: 4);
        var source = new PoisonedSource(new BatchLoader(data, 10), epoch: 0, batch: 3); // the second sample of the third batch

        var error = Assert.Throws<ArgumentException>(() => network.Evaluate(source));

        Assert.Contains("sample 1 of batch 3", error.Message);
    }

    [Fact]
    public void ConfusionMatrix_OnANaNSample_Throws_NamingTheSample()
    {
        ImageDataset data = TrainingData.Patterns(40, 3);
        using var network = new PatternNet(10, seed: 4);
        var source = new PoisonedSource(new BatchLoader(data, 10), epoch: 0, batch: 2);

        var error = Assert.Throws<ArgumentException>(() => network.ConfusionMatrix(source, data.ClassNames));

        Assert.Contains("sample 1 of batch 2", error.Message);
    }
}

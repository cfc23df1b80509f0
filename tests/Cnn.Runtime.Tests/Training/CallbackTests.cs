using Cnn.Data;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Runtime.Tests.Networks;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class CallbackTests
{
    private static readonly ImageDataset Train = TrainingData.Patterns(96, 1);
    private static readonly ImageDataset Validation = TrainingData.Patterns(30, 2);

    /// <summary>Feeds callbacks a made-up history, so that the rules are tested without training.</summary>
    private static TrainingContext Context(INetwork network, Optimizer optimizer, bool hasValidation = true, int epochs = 100) =>
        new(network, optimizer, new FitOptions { Optimizer = optimizer, Epochs = epochs }, batchesPerEpoch: 3, batchSize: 32, hasValidation, []);

    private static EpochResult Row(int epoch, double valLoss, double loss = 1, double accuracy = 0.5, double valAccuracy = 0.5) =>
        new(epoch, loss, accuracy, valLoss, valAccuracy, 1, 100, 0.1);

    [Fact]
    public void Callbacks_SeeTheEventsInKerasOrder()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var events = new List<string>();
        var recorder = new LambdaCallback
        {
            TrainBegin = c => events.Add("train_begin"),
            EpochBegin = (c, e) => events.Add($"epoch_begin {e}"),
            BatchEnd = (c, b) => events.Add($"batch {b.Epoch}.{b.Batch} step {b.Step}"),
            EpochEnd = (c, r) => events.Add($"epoch_end {r.Epoch} history {c.History.Count}"),
            TrainEnd = c => events.Add("train_end"),
        };

        network.Fit(Train, null, new FitOptions { Optimizer = optimizer, Epochs = 2, BatchSize = 32, Callbacks = [recorder] });

        Assert.Equal(
        [
            "train_begin",
            "epoch_begin 1", "batch 1.1 step 1", "batch 1.2 step 2", "batch 1.3 step 3", "epoch_end 1 history 1",
            "epoch_begin 2", "batch 2.1 step 4", "batch 2.2 step 5", "batch 2.3 step 6", "epoch_end 2 history 2",
            "train_end",
        ], events);
    }

    [Fact]
    public void StopFromABatch_EndsAtOnce_AndLeavesTheEpochUnrecorded()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        int epochEnds = 0, trainEnds = 0;
        var stopper = new LambdaCallback
        {
            BatchEnd = (c, b) => { if (b.Epoch == 2 && b.Batch == 2) c.Stop("enough"); },
            EpochEnd = (c, r) => epochEnds++,
            TrainEnd = c => trainEnds++,
        };

        IReadOnlyList<EpochResult> history = network.Fit(Train, null, new FitOptions { Optimizer = optimizer, Epochs = 5, BatchSize = 32, Callbacks = [stopper] });

        Assert.Single(history);
        Assert.Equal(1, epochEnds);
        Assert.Equal(1, trainEnds);
        Assert.Equal(5, optimizer.Steps);
    }

    [Fact]
    public void EarlyStopping_StopsAfterPatienceEpochsWithoutImprovement()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var stopping = new EarlyStopping("val_loss", patience: 2, minDelta: 0.01);
        TrainingContext context = Context(network, optimizer);
        stopping.OnTrainBegin(context);

        // 1.0 is the first best; 0.995 is not better by more than minDelta; 0.98 is; 0.99 is not.
        double[] losses = [1.0, 0.995, 0.98, 0.99];
        for (int e = 0; e < losses.Length; e++)
        {
            stopping.OnEpochEnd(context, Row(e + 1, losses[e]));
            Assert.False(context.StopTraining, $"epoch {e + 1}");
        }
        Assert.Equal(0.98, stopping.Best);
        Assert.Equal(3, stopping.BestEpoch);
        Assert.Equal(1, stopping.Wait);
        stopping.OnEpochEnd(context, Row(5, 0.975)); // better, but by less than minDelta: the second bad epoch
        Assert.True(context.StopTraining);
        Assert.Equal(5, stopping.StoppedEpoch);
        Assert.Contains("val_loss", context.StopReason);
    }

    [Fact]
    public void EarlyStopping_OnAccuracyMaximises_AndPatienceZeroStopsAtTheFirstBadEpoch()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var stopping = new EarlyStopping("accuracy");
        TrainingContext context = Context(network, optimizer, hasValidation: false);
        stopping.OnTrainBegin(context);
        stopping.OnEpochEnd(context, Row(1, double.NaN, accuracy: 0.5));
        stopping.OnEpochEnd(context, Row(2, double.NaN, accuracy: 0.6));
        Assert.False(context.StopTraining);
        stopping.OnEpochEnd(context, Row(3, double.NaN, accuracy: 0.6));
        Assert.True(context.StopTraining);
        Assert.Equal(0.6, stopping.Best);
    }

    [Fact]
    public void EarlyStopping_RestoresTheBestEpochsWeightsAtTheEnd()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var stopping = new EarlyStopping("val_loss", patience: 5, restoreBestWeights: true);
        TrainingContext context = Context(network, optimizer);
        stopping.OnTrainBegin(context);
        float[][] weights = [.. Enumerable.Range(0, 3).Select(i => RandomTestData.Uniform(network.Parameters.Length, (ulong)i + 10))];
        double[] losses = [0.9, 0.5, 0.7];
        for (int e = 0; e < 3; e++)
        {
            network.Backend.Upload(weights[e], network.Parameters);
            stopping.OnEpochEnd(context, Row(e + 1, losses[e]));
        }
        Assert.False(context.StopTraining);

        stopping.OnTrainEnd(context);

        Assert.Equal(2, stopping.BestEpoch);
        Assert.Equal(weights[1], TrainingData.Parameters(network));
    }

    [Fact]
    public void EarlyStopping_InFit_StopsTheRunAndKeepsTheBestWeights()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.5f);
        var stopping = new EarlyStopping("loss", patience: 1, minDelta: 10, restoreBestWeights: true); // nothing improves by 10
        var weights = new Dictionary<int, float[]>();
        var recorder = new LambdaCallback { EpochEnd = (c, r) => weights[r.Epoch] = TrainingData.Parameters(c.Network) };

        IReadOnlyList<EpochResult> history = network.Fit(Train, null, new FitOptions { Optimizer = optimizer, Epochs = 10, BatchSize = 32, Callbacks = [stopping, recorder] });

        Assert.Equal(2, history.Count);
        Assert.Equal(2, stopping.StoppedEpoch);
        Assert.Equal(1, stopping.BestEpoch);
        Assert.Equal(weights[1], TrainingData.Parameters(network));
    }

    [Fact]
    public void MonitoringValidation_WithoutAValidationSet_FailsBeforeTraining()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var error = Assert.Throws<InvalidOperationException>(() =>
            network.Fit(Train, null, new FitOptions { Optimizer = optimizer, BatchSize = 32, Callbacks = [new EarlyStopping("val_accuracy")] }));
        Assert.Contains("'val_accuracy'", error.Message);
        Assert.Equal(0, optimizer.Steps);
        Assert.Throws<ArgumentException>(() => new EarlyStopping("val_acc"));
    }

    [Fact]
    public void ReduceLROnPlateau_ReducesAfterPatience_WaitsOutTheCooldown_AndStopsAtTheFloor()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 1f);
        var plateau = new ReduceLROnPlateau("val_loss", factor: 0.5, patience: 2, minLr: 0.2, cooldown: 2);
        TrainingContext context = Context(network, optimizer);
        plateau.OnTrainBegin(context);

        var rates = new List<double>();
        for (int e = 1; e <= 12; e++)
        {
            plateau.OnEpochEnd(context, Row(e, 1.0)); // never improves on the first epoch
            rates.Add(optimizer.LearningRate);
        }
        // Keras's counting: epoch 1 sets the best; 2 and 3 are bad, so halve. A cooldown of 2 skips
        // epoch 4 (the counter reaches 0 in epoch 5, which counts again); 5 and 6 are bad: halve.
        // Then 9 halves once more, but to the floor 0.2 instead of 0.125; 12 would go below it.
        double[] expected = [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2];
        Assert.Equal(expected.Length, rates.Count);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - rates[i]) < 1e-7, $"epoch {i + 1}: {rates[i]}, expected {expected[i]}");
    }

    [Fact]
    public void ReduceLROnPlateau_ImprovementBeyondMinDeltaResetsTheCount()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 1f);
        var plateau = new ReduceLROnPlateau("val_accuracy", factor: 0.1, patience: 2, minDelta: 0.01);
        TrainingContext context = Context(network, optimizer);
        plateau.OnTrainBegin(context);
        // 0.505 and 0.521 are within minDelta of the best (bad); 0.52 and 0.535 improve; 0.54 is the second bad epoch in a row.
        double[] accuracies = [0.5, 0.505, 0.52, 0.521, 0.535, 0.535, 0.54];
        var rates = new List<float>();
        for (int e = 0; e < accuracies.Length; e++)
        {
            plateau.OnEpochEnd(context, Row(e + 1, 1, valAccuracy: accuracies[e]));
            rates.Add(optimizer.LearningRate);
        }
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f, 0.1f], rates);
    }

    [Fact]
    public void ModelCheckpoint_SavesEveryEpochToTheFormattedPath()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var checkpoint = new ModelCheckpoint(directory.File("epoch{epoch:00}-{loss:0.00}.safetensors"), metadata: new ModelMetadata(Train.ClassNames));

        IReadOnlyList<EpochResult> history = network.Fit(Train, null, new FitOptions { Optimizer = optimizer, Epochs = 2, BatchSize = 32, Callbacks = [checkpoint] });

        string[] files = Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal([$"epoch01-{history[0].Loss:0.00}.safetensors", $"epoch02-{history[1].Loss:0.00}.safetensors"], files);
        using var loaded = new PatternNet(32, seed: 99);
        ModelMetadata metadata = ModelFile.Load(loaded, checkpoint.LastSaved!);
        Assert.Equal(TrainingData.Parameters(network), TrainingData.Parameters(loaded));
        Assert.Equal(Train.ClassNames, metadata.ClassNames);
    }

    [Fact]
    public void ModelCheckpoint_SaveBestOnly_WritesOnlyWhenTheMonitorImproves()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        string path = directory.File("best.safetensors");
        var checkpoint = new ModelCheckpoint(path, "val_accuracy", saveBestOnly: true);
        TrainingContext context = Context(network, optimizer);
        checkpoint.OnTrainBegin(context);

        checkpoint.OnEpochEnd(context, Row(1, 1, valAccuracy: 0.5));
        Assert.True(File.Exists(path));
        byte[] first = File.ReadAllBytes(path);
        network.Backend.Upload(new float[network.Parameters.Length], network.Parameters); // the weights change...
        checkpoint.OnEpochEnd(context, Row(2, 1, valAccuracy: 0.4)); // ...but the epoch is worse
        Assert.Equal(first, File.ReadAllBytes(path));
        Assert.Equal(1, checkpoint.LastSavedEpoch);
        checkpoint.OnEpochEnd(context, Row(3, 1, valAccuracy: 0.6));
        Assert.NotEqual(first, File.ReadAllBytes(path));
        Assert.Equal(3, checkpoint.LastSavedEpoch);
        Assert.Equal(0.6, checkpoint.Best);
    }

    [Fact]
    public void ModelCheckpoint_RejectsAnUnknownPlaceholder()
    {
        var error = Assert.Throws<ArgumentException>(() => new ModelCheckpoint("model-{step}.safetensors"));
        Assert.Contains("{step}", error.Message);
    }

    [Fact]
    public void CsvAndJsonLoggers_RewriteTheWholeHistoryAfterEachEpoch()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        string csv = directory.File("logs/history.csv"), json = directory.File("logs/history.json");
        var lines = new List<int>();
        var watcher = new LambdaCallback { EpochEnd = (c, r) => lines.Add(File.ReadAllLines(csv).Length) };

        IReadOnlyList<EpochResult> history = network.Fit(Train, Validation, new FitOptions
        {
            Optimizer = optimizer, Epochs = 3, BatchSize = 32, Callbacks = [new CsvLogger(csv), new JsonLogger(json), watcher],
        });

        Assert.Equal([2, 3, 4], lines);
        Assert.Equal(history, HistoryFile.ReadCsv(csv));
        Assert.Equal(history, HistoryFile.ReadJson(json));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(csv)!, "*.tmp"));
    }
}

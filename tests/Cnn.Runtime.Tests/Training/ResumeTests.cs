using System.Text.Json;
using Cnn.Data;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class ResumeTests
{
    private static readonly ImageDataset Train = TrainingData.Patterns(100, 1); // 4 batches of 32, the last of 4
    private static readonly ImageDataset Validation = TrainingData.Patterns(30, 2);

    private static FitOptions Options(Optimizer optimizer, params ICallback[] callbacks) => new()
    {
        Optimizer = optimizer, Epochs = 4, BatchSize = 32, Seed = 11, Callbacks = callbacks,
    };

    private static INetwork Pattern(ulong seed) => new PatternNet(32, seed: seed);

    /// <summary>Trains 4 epochs in one go; returns the final parameters and history.</summary>
    private static (float[] Parameters, IReadOnlyList<EpochResult> History) Uninterrupted(Func<ICallback[]> callbacks, Func<ulong, INetwork>? create = null)
    {
        using INetwork network = (create ?? Pattern)(4);
        using var optimizer = new Adam(network, 0.02f);
        IReadOnlyList<EpochResult> history = network.Fit(Train, Validation, Options(optimizer, callbacks()));
        return (TrainingData.Parameters(network), history);
    }

    /// <summary>
    /// Trains until the token is cancelled after (epoch, batch), or at the end of the epoch when
    /// batch is 0, then resumes in a fresh network and optimizer.
    /// </summary>
    private static (float[] Parameters, IReadOnlyList<EpochResult> History, TrainingCanceledException Canceled, TrainingCheckpoint Checkpoint) Interrupted(
        int epoch, int batch, Func<ICallback[]> callbacks, Func<ulong, INetwork>? create = null)
    {
        create ??= Pattern;
        using var directory = new TrainingData.TempDirectory();
        TrainingCanceledException canceled;
        using (INetwork network = create(4))
        using (var optimizer = new Adam(network, 0.02f))
        using (var cancellation = new CancellationTokenSource())
        {
            var trigger = new LambdaCallback
            {
                BatchEnd = (c, b) => { if (b.Epoch == epoch && b.Batch == batch) cancellation.Cancel(); },
                EpochEnd = (c, r) => { if (r.Epoch == epoch && batch == 0) cancellation.Cancel(); },
            };
            canceled = Assert.Throws<TrainingCanceledException>(() => network.Fit(Train, Validation,
                Options(optimizer, [.. callbacks(), trigger]) with { CancellationToken = cancellation.Token, CheckpointDirectory = directory.Path }));
        }

        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(directory.Path);
        using INetwork resumed = create(99); // different initial weights: the checkpoint must replace them
        using var resumedOptimizer = new Adam(resumed, 0.02f);
        IReadOnlyList<EpochResult> history = resumed.Resume(directory.Path, Train, Validation, Options(resumedOptimizer, callbacks()));
        return (TrainingData.Parameters(resumed), history, canceled, checkpoint);
    }

    private static void SameRun(IReadOnlyList<EpochResult> expected, IReadOnlyList<EpochResult> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            // Everything but the timings is reproduced exactly.
            Assert.Equal(expected[i] with { Seconds = 0, ImagesPerSecond = 0 }, actual[i] with { Seconds = 0, ImagesPerSecond = 0 });
        }
    }

    [Fact]
    public void ResumeAtAnEpochBoundary_EndsWithTheSameParametersAsAnUninterruptedRun()
    {
        var (expected, expectedHistory) = Uninterrupted(() => []);
        var (actual, history, canceled, _) = Interrupted(epoch: 2, batch: 0, () => []);

        Assert.Equal(3, canceled.Epoch);
        Assert.Equal(0, canceled.BatchesDone);
        Assert.Equal(2, canceled.History.Count);
        Assert.Equal(expected, actual);
        SameRun(expectedHistory, history);
    }

    [Fact]
    public void ResumeInsideAnEpoch_WithAOneCycleSchedule_EndsWithTheSameParameters()
    {
        var (expected, expectedHistory) = Uninterrupted(() => [new OneCycleLR(maxLr: 0.05)]);
        var (actual, history, canceled, _) = Interrupted(epoch: 3, batch: 2, () => [new OneCycleLR(maxLr: 0.05)]);

        Assert.Equal((3, 2), (canceled.Epoch, canceled.BatchesDone));
        Assert.Equal(expected, actual);
        SameRun(expectedHistory, history);
    }

    [Fact]
    public void ResumeInsideAnEpoch_WithDropout_DrawsTheMasksOfAnUninterruptedRun()
    {
        static INetwork Create(ulong seed) => new DropoutPatternNet(32, seed: seed);
        var (expected, expectedHistory) = Uninterrupted(() => [], Create);
        var (actual, history, _, checkpoint) = Interrupted(epoch: 2, batch: 2, () => [], Create);

        // 4 training batches in epoch 1 and 2 in epoch 2 drew 6 masks; validation draws none. The
        // resumed network was built with another seed, so the checkpoint's seed must replace it too.
        Assert.Equal(new DropoutState(4, 6), checkpoint.Dropout);
        Assert.Equal(expected, actual);
        SameRun(expectedHistory, history);
    }

    [Fact]
    public void Resume_RestoresStatefulCallbacks()
    {
        // Nothing improves by 5, so the rate halves after every epoch from the second on; a
        // plateau that forgot its best value after the resume would take epoch 3 as an improvement.
        ReduceLROnPlateau Plateau() => new("loss", factor: 0.5, patience: 1, minDelta: 5);
        var (expected, expectedHistory) = Uninterrupted(() => [Plateau()]);
        var (actual, history, _, _) = Interrupted(epoch: 2, batch: 0, () => [Plateau()]);

        Assert.Equal(expected, actual);
        SameRun(expectedHistory, history);
        Assert.Equal([0.02f, 0.02f, 0.01f, 0.005f], history.Select(h => (float)h.LearningRate));
    }

    [Fact]
    public void CancelDuringTheLastBatch_ResumesAtValidation()
    {
        var (expected, expectedHistory) = Uninterrupted(() => []);
        var (actual, history, canceled, _) = Interrupted(epoch: 2, batch: 4, () => []);

        Assert.Equal((2, 4), (canceled.Epoch, canceled.BatchesDone));
        Assert.Single(canceled.History);
        Assert.Equal(expected, actual);
        SameRun(expectedHistory, history);
    }

    [Fact]
    public void CancelledFit_SavesAModelFileAndAReadableState()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(32, seed: 4);
        using var optimizer = new Adam(network, 0.02f);
        using var cancellation = new CancellationTokenSource();
        var trigger = new LambdaCallback { BatchEnd = (c, b) => { if (b.Step == 6) cancellation.Cancel(); } };

        var canceled = Assert.Throws<TrainingCanceledException>(() => network.Fit(Train, null,
            Options(optimizer, trigger) with { CancellationToken = cancellation.Token, CheckpointDirectory = directory.Path }));

        Assert.IsAssignableFrom<OperationCanceledException>(canceled);
        Assert.Equal(cancellation.Token, canceled.CancellationToken);
        Assert.Equal(directory.Path, canceled.CheckpointDirectory);
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(directory.Path);
        Assert.Equal((2, 2, 6L, 6), (checkpoint.Epoch, checkpoint.BatchesDone, checkpoint.Step, checkpoint.OptimizerSteps));
        Assert.Equal(0.02f, (float)checkpoint.LearningRate);
        Assert.Equal("Adam", checkpoint.Optimizer);
        Assert.Single(checkpoint.History);
        Assert.Equal(
            ["model-00000006.safetensors", "optimizer-00000006.safetensors", "state.json"],
            Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());

        // The weights are an ordinary model file.
        using var loaded = new PatternNet(32, seed: 8);
        ModelFile.Load(loaded, checkpoint.ModelPath);
        Assert.Equal(TrainingData.Parameters(network), TrainingData.Parameters(loaded));
        using JsonDocument state = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.Path, "state.json")));
        Assert.Equal("cnn-training-checkpoint", state.RootElement.GetProperty("format").GetString());
    }

    [Fact]
    public void CheckpointEveryEpoch_KeepsOnlyTheLatestTensorFiles()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(32, seed: 4);
        using var optimizer = new Sgd(network, 0.1f); // no state: no optimizer file
        File.WriteAllText(directory.File("model-final.safetensors"), "the user's own file");
        network.Fit(Train, null, Options(optimizer) with { Epochs = 3, CheckpointDirectory = directory.Path, CheckpointEveryEpoch = true });

        Assert.Equal(["model-00000012.safetensors", "model-final.safetensors", "state.json"], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(directory.Path);
        Assert.Equal((4, 0, 12L), (checkpoint.Epoch, checkpoint.BatchesDone, checkpoint.Step));
        Assert.Null(checkpoint.OptimizerPath);

        // Resuming a finished run trains nothing more and returns its history.
        using var more = new Sgd(network, 0.1f);
        IReadOnlyList<EpochResult> history = network.Resume(directory.Path, Train, null, Options(more) with { Epochs = 3 });
        Assert.Equal(3, history.Count);
        Assert.Equal(12, more.Steps); // restored, and no step taken beyond it
    }

    [Fact]
    public void Resume_RefusesADifferentSeed_OrOptimizer_WithoutTouchingTheNetwork()
    {
        using var directory = new TrainingData.TempDirectory();
        using (var network = new PatternNet(32, seed: 4))
        using (var optimizer = new Adam(network, 0.02f))
            network.Fit(Train, null, Options(optimizer) with { Epochs = 1, CheckpointDirectory = directory.Path, CheckpointEveryEpoch = true });

        using var other = new PatternNet(32, seed: 5);
        float[] before = TrainingData.Parameters(other);
        using var adam = new Adam(other, 0.02f);
        var seed = Assert.Throws<ArgumentException>(() => other.Resume(directory.Path, Train, null, Options(adam) with { Seed = 12 }));
        Assert.Contains("seed 11", seed.Message);
        using var sgd = new Sgd(other, 0.1f);
        var kind = Assert.Throws<InvalidOperationException>(() => other.Resume(directory.Path, Train, null, Options(sgd)));
        Assert.Contains("Adam", kind.Message);
        Assert.Equal(before, TrainingData.Parameters(other));
    }

    [Fact]
    public void ConsoleCancellation_FirstInterruptCancelsGracefully_SecondLetsTheProcessEnd()
    {
        var output = new StringWriter();
        using var cancellation = new ConsoleCancellation(output, hook: false);
        Assert.False(cancellation.Token.IsCancellationRequested);

        Assert.True(cancellation.Interrupt()); // keep running
        Assert.True(cancellation.Token.IsCancellationRequested);
        Assert.Contains("checkpoint", output.ToString());

        Assert.False(cancellation.Interrupt()); // abort
        Assert.Contains("Aborting", output.ToString());
    }
}

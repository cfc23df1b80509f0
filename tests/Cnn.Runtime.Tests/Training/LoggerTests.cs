using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Runtime.Tests.Networks;
using Cnn.Training;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

/// <summary>FitOptions.Logger: structured events whose named values are the run's own figures.</summary>
public class LoggerTests
{
    private static readonly ImageDataset Train = TrainingData.Patterns(96, 1);
    private static readonly ImageDataset Validation = TrainingData.Patterns(30, 2);

    [Fact]
    public void AtInformation_EachEpochIsOneEventCarryingTheHistoryRow()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var logger = new RecordingLogger(LogLevel.Information);

        IReadOnlyList<EpochResult> history = network.Fit(Train, Validation, new FitOptions { Optimizer = optimizer, Epochs = 2, BatchSize = 32, Logger = logger });

        Assert.Equal(["TrainingStarted", "EpochCompleted", "EpochCompleted", "TrainingEnded"], logger.Entries.Select(e => e.Event.Name));
        Assert.Equal([1, 3, 3, 6], logger.Entries.Select(e => e.Event.Id));
        LogEntry started = logger.Entries[0];
        Assert.Equal("PatternNet", started.Value("Network"));
        Assert.Equal(2, started.Value("Epochs"));
        Assert.Equal(3, started.Value("BatchesPerEpoch"));
        for (int e = 0; e < 2; e++)
        {
            LogEntry epoch = logger.Entries[1 + e];
            Assert.Equal(LogLevel.Information, epoch.Level);
            Assert.Equal(history[e].Epoch, epoch.Value("Epoch"));
            Assert.Equal(history[e].Loss, epoch.Value("Loss"));
            Assert.Equal(history[e].Accuracy, epoch.Value("Accuracy"));
            Assert.Equal(history[e].ValidationLoss, epoch.Value("ValidationLoss"));
            Assert.Equal(history[e].ValidationAccuracy, epoch.Value("ValidationAccuracy"));
            Assert.Equal(history[e].LearningRate, epoch.Value("LearningRate"));
        }
        Assert.Equal("all epochs done", logger.Entries[^1].Value("Reason"));
    }

    [Fact]
    public void AtDebug_EveryStepIsAnEvent_AndTheLastStepOfAnEpochCarriesItsLoss()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var logger = new RecordingLogger(LogLevel.Debug);

        IReadOnlyList<EpochResult> history = network.Fit(Train, null, new FitOptions { Optimizer = optimizer, Epochs = 2, BatchSize = 32, Logger = logger });

        LogEntry[] steps = logger.Entries.Where(e => e.Event.Name == "StepCompleted").ToArray();
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], steps.Select(s => s.Value("Step")));
        Assert.All(steps, s => Assert.Equal(LogLevel.Debug, s.Level));
        Assert.Equal(history[0].Loss, (double)steps[2].Value("EpochLoss")!, 12);
        Assert.Equal(history[1].Accuracy, (double)steps[5].Value("EpochAccuracy")!, 12);
        Assert.Null(logger.Entries.Single(e => e.Event.Name == "EpochCompleted" && (int)e.Value("Epoch")! == 1).Value("ValidationLoss"));
    }

    [Fact]
    public void CallbackNotes_ArriveBeforeTheEnd_WithTheStopReason()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var logger = new RecordingLogger(LogLevel.Information);
        var stopper = new LambdaCallback { EpochEnd = (c, r) => { if (r.Epoch == 2) { c.Log("stopping by request"); c.Stop("asked to stop"); } } };

        network.Fit(Train, null, new FitOptions { Optimizer = optimizer, Epochs = 5, BatchSize = 32, Callbacks = [stopper], Logger = logger });

        Assert.Equal(["TrainingStarted", "EpochCompleted", "EpochCompleted", "TrainingNote", "TrainingEnded"], logger.Entries.Select(e => e.Event.Name));
        Assert.Equal("stopping by request", logger.Entries[3].Value("Note"));
        Assert.Equal(2, logger.Entries[^1].Value("Epoch"));
        Assert.Equal("asked to stop", logger.Entries[^1].Value("Reason"));
    }

    private sealed record LogEntry(LogLevel Level, EventId Event, IReadOnlyList<KeyValuePair<string, object?>> State, string Message)
    {
        public object? Value(string name) => State.Single(pair => pair.Key == name).Value;
    }

    /// <summary>Keeps every entry at or above a level, with its structured state.</summary>
    private sealed class RecordingLogger(LogLevel minimum) : ILogger
    {
        public List<LogEntry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            Entries.Add(new LogEntry(logLevel, eventId, (IReadOnlyList<KeyValuePair<string, object?>>)state!, formatter(state, exception)));
        }
    }
}

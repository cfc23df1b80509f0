using Cnn.Data;
using Cnn.Losses;
using Cnn.Optimizers;

namespace Cnn.Training;

/// <summary>How <see cref="Trainer.Fit"/> trains: like the arguments of Keras's <c>model.fit</c>.</summary>
public sealed record FitOptions
{
    public required Optimizer Optimizer { get; init; }

    public int Epochs { get; init; } = 1;

    /// <summary>Samples per step; at most the network's MaxBatchSize.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The loss; null picks the one that fits the network's last layer (<see cref="Loss.For"/>).</summary>
    public ILoss? Loss { get; init; }

    /// <summary>Per-channel normalisation applied to every batch, e.g. <see cref="Normalization.FashionMnist"/>.</summary>
    public Normalization? Normalization { get; init; }

    /// <summary>Reshuffle the training set every epoch from <see cref="Seed"/>.</summary>
    public bool Shuffle { get; init; } = true;

    public ulong Seed { get; init; }

    /// <summary>Receives progress during each epoch and at its end; <see cref="ConsoleProgress"/> prints it.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    public CancellationToken CancellationToken { get; init; }
}

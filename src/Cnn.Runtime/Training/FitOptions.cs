using Cnn.Data;
using Cnn.Losses;
using Cnn.Optimizers;

namespace Cnn.Training;

/// <summary>How <see cref="Trainer.Fit(INetwork, ImageDataset, ImageDataset?, FitOptions)"/> trains: like the arguments of Keras's <c>model.fit</c>.</summary>
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

    /// <summary>Keras-style hooks run during training, in order: early stopping, checkpoints, schedules, loggers.</summary>
    public IReadOnlyList<ICallback> Callbacks { get; init; } = [];

    /// <summary>Where callbacks write what they did (early stop, learning rate reduced, model saved); null keeps them quiet.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>
    /// Stops training before the next batch when cancelled (see <see cref="ConsoleCancellation"/>
    /// for Ctrl+C): Fit then saves a checkpoint to <see cref="CheckpointDirectory"/>, if set, and
    /// throws <see cref="TrainingCanceledException"/>.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// Where Fit saves a resumable <see cref="TrainingCheckpoint"/> when cancelled, and after every
    /// epoch when <see cref="CheckpointEveryEpoch"/> is set; null saves none.
    /// </summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Also save the resumable checkpoint at the end of every epoch, so that a crash loses at most one epoch.</summary>
    public bool CheckpointEveryEpoch { get; init; }

    /// <summary>
    /// A checkpoint directory to continue from: the weights, optimizer state, position, history and
    /// callback state are restored, and training goes on to <see cref="Epochs"/> in total, as the
    /// uninterrupted run would have. The rest of the options must be those of the original run.
    /// </summary>
    public string? ResumeFrom { get; init; }
}

using Cnn.Data;
using Cnn.Distributed;
using Cnn.Losses;
using Cnn.Optimizers;
using Microsoft.Extensions.Logging;

namespace Cnn.Training;

/// <summary>How <see cref="Trainer.Fit(INetwork, ImageDataset, ImageDataset?, FitOptions)"/> trains: like the arguments of Keras's <c>model.fit</c>.</summary>
public sealed record FitOptions
{
    /// <summary>The optimizer, created for the network being trained.</summary>
    public required Optimizer Optimizer { get; init; }

    /// <summary>The epoch to train up to (1-based, inclusive), counting those a resumed run already did; 1 by default.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per step; at most the network's MaxBatchSize.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The loss; null picks the one that fits the network's last layer (<see cref="Loss.For"/>).</summary>
    public ILoss? Loss { get; init; }

    /// <summary>Per-channel normalisation applied to every batch, e.g. <see cref="Normalization.FashionMnist"/>.</summary>
    public Normalization? Normalization { get; init; }

    /// <summary>Reshuffle the training set every epoch from <see cref="Seed"/>.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The seed of the shuffle order; the same seed gives the same batches.</summary>
    public ulong Seed { get; init; }

    /// <summary>Receives progress during each epoch and at its end; <see cref="ConsoleProgress"/> prints it.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>Keras-style hooks run during training, in order: early stopping, checkpoints, schedules, loggers.</summary>
    public IReadOnlyList<ICallback> Callbacks { get; init; } = [];

    /// <summary>Where callbacks write what they did (early stop, learning rate reduced, model saved); null keeps them quiet.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>
    /// Receives structured training events (see <see cref="TrainingEvents"/>): start, every step at
    /// Debug level, every epoch's figures, what callbacks did, divergence and the end. It works beside
    /// <see cref="Progress"/>, which stays the console bar; null logs nothing.
    /// </summary>
    public ILogger? Logger { get; init; }

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

    /// <summary>
    /// Data-parallel training over the ranks of this group (see docs/distributed.md), or null for
    /// one process. Every rank calls Fit with the same options; rank 0's parameters and buffers are
    /// broadcast at the start, each rank trains on its own shard of every epoch with
    /// <see cref="BatchSize"/> samples per step (so the global batch is <see cref="BatchSize"/> ×
    /// world size), the gradients are averaged across ranks before every optimizer step, and the
    /// loss and accuracy are those of all ranks. Only rank 0 reports <see cref="Progress"/>, writes
    /// <see cref="Log"/> and saves to <see cref="CheckpointDirectory"/>. A world size of 1 trains as without it.
    /// </summary>
    /// <remarks>
    /// With an <see cref="IBatchSource"/> the source must already be this rank's shard, with the same
    /// number of batches on every rank. Callbacks run on every rank (they see the same reduced
    /// metrics, so they decide alike); give file-writing callbacks to rank 0 only. <see cref="ResumeFrom"/>
    /// works with the world size the checkpoint was written with (it is recorded there): every rank reads
    /// rank 0's checkpoint from the same directory, so it must be on a file system all ranks share.
    /// Cancellation must fire on every rank at the same batch (e.g. from a callback, which sees the same
    /// reduced metrics everywhere), or the other ranks wait in the next all-reduce. Batch norm normalises
    /// with each rank's own batch unless the network is built on a <see cref="SynchronizedBatchNormBackend"/>.
    /// The gradients are all-reduced in one call after backward, or, when the network is built on a
    /// <see cref="GradientSignallingBackend"/>, in buckets of <see cref="GradientBucketBytes"/> started during backward.
    /// </remarks>
    public ICollectives? Distributed { get; init; }

    /// <summary>
    /// With <see cref="Distributed"/> and a network built on a <see cref="GradientSignallingBackend"/>: the size at which
    /// a gradient bucket closes (whole parameter tensors in reverse declaration order, as PyTorch DDP's
    /// <c>bucket_cap_mb</c>; default 25 MiB). Each bucket's all-reduce starts as soon as backward has produced all its
    /// gradients, so smaller buckets start earlier and overlap more of backward, at more calls per step.
    /// </summary>
    public long GradientBucketBytes { get; init; } = 25L << 20;
}

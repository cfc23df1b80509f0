namespace Cnn.Training;

/// <summary>
/// Thrown by Fit when its cancellation token fires. It is an <see cref="OperationCanceledException"/>,
/// so ordinary cancellation handling catches it, and it carries what a caller needs next: the
/// history of the finished epochs and the checkpoint to resume from (<see cref="FitOptions.ResumeFrom"/>).
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <summary>Records the finished epochs and where the run stopped; the message says how to resume.</summary>
    /// <param name="history">One row per finished epoch.</param>
    /// <param name="checkpointDirectory">The checkpoint to resume from, or null when none was saved.</param>
    /// <param name="epoch">The interrupted epoch, from 1.</param>
    /// <param name="batchesDone">Batches of that epoch already trained.</param>
    /// <param name="token">The token that fired.</param>
    public TrainingCanceledException(IReadOnlyList<EpochResult> history, string? checkpointDirectory, int epoch, int batchesDone, CancellationToken token)
        : base(Describe(checkpointDirectory, epoch, batchesDone), token)
    {
        History = history;
        CheckpointDirectory = checkpointDirectory;
        Epoch = epoch;
        BatchesDone = batchesDone;
    }

    /// <summary>One row per finished epoch.</summary>
    public IReadOnlyList<EpochResult> History { get; }

    /// <summary>Where the resumable checkpoint was saved, or null when <see cref="FitOptions.CheckpointDirectory"/> was not set.</summary>
    public string? CheckpointDirectory { get; }

    /// <summary>The epoch that was interrupted (1-based).</summary>
    public int Epoch { get; }

    /// <summary>Batches of that epoch that were trained.</summary>
    public int BatchesDone { get; }

    private static string Describe(string? directory, int epoch, int batches) =>
        $"Training was cancelled in epoch {epoch} after {batches} batch(es)" +
        (directory is null ? "; no checkpoint was saved (set FitOptions.CheckpointDirectory)." : $"; resume from the checkpoint in {directory} with FitOptions.ResumeFrom.");
}

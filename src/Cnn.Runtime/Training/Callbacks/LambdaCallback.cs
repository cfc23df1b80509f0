namespace Cnn.Training;

/// <summary>A callback made of delegates, for one-off hooks (Keras's <c>LambdaCallback</c>).</summary>
public sealed class LambdaCallback : ICallback
{
    /// <summary>Runs before the first epoch (after a resume's restore); null does nothing.</summary>
    public Action<TrainingContext>? TrainBegin { get; init; }
    /// <summary>Runs before each epoch with its 1-based number; null does nothing.</summary>
    public Action<TrainingContext, int>? EpochBegin { get; init; }
    /// <summary>Runs after each training step; null does nothing.</summary>
    public Action<TrainingContext, BatchResult>? BatchEnd { get; init; }
    /// <summary>Runs after each epoch, validation included; null does nothing.</summary>
    public Action<TrainingContext, EpochResult>? EpochEnd { get; init; }
    /// <summary>Runs once when training ends, stopped early or not; null does nothing.</summary>
    public Action<TrainingContext>? TrainEnd { get; init; }

    /// <inheritdoc/>
    public void OnTrainBegin(TrainingContext context) => TrainBegin?.Invoke(context);
    /// <inheritdoc/>
    public void OnEpochBegin(TrainingContext context, int epoch) => EpochBegin?.Invoke(context, epoch);
    /// <inheritdoc/>
    public void OnBatchEnd(TrainingContext context, BatchResult batch) => BatchEnd?.Invoke(context, batch);
    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result) => EpochEnd?.Invoke(context, result);
    /// <inheritdoc/>
    public void OnTrainEnd(TrainingContext context) => TrainEnd?.Invoke(context);
}

namespace Cnn.Training;

/// <summary>A callback made of delegates, for one-off hooks (Keras's <c>LambdaCallback</c>).</summary>
public sealed class LambdaCallback : ICallback
{
    public Action<TrainingContext>? TrainBegin { get; init; }
    public Action<TrainingContext, int>? EpochBegin { get; init; }
    public Action<TrainingContext, BatchResult>? BatchEnd { get; init; }
    public Action<TrainingContext, EpochResult>? EpochEnd { get; init; }
    public Action<TrainingContext>? TrainEnd { get; init; }

    public void OnTrainBegin(TrainingContext context) => TrainBegin?.Invoke(context);
    public void OnEpochBegin(TrainingContext context, int epoch) => EpochBegin?.Invoke(context, epoch);
    public void OnBatchEnd(TrainingContext context, BatchResult batch) => BatchEnd?.Invoke(context, batch);
    public void OnEpochEnd(TrainingContext context, EpochResult result) => EpochEnd?.Invoke(context, result);
    public void OnTrainEnd(TrainingContext context) => TrainEnd?.Invoke(context);
}

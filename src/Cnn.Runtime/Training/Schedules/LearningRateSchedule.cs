namespace Cnn.Training;

/// <summary>Whether a schedule advances once per epoch or once per optimisation step (PyTorch: where <c>scheduler.step()</c> is called).</summary>
public enum ScheduleInterval
{
    Epoch,
    Step,
}

/// <summary>
/// A learning-rate schedule as a callback: a closed-form function of the number of epochs or steps
/// done, so it holds no state and a resumed run continues it exactly. Per epoch, epoch <c>e</c>
/// (1-based) trains at <c>LearningRateAt(e − 1)</c>; per step, step <c>s</c> (1-based) trains at
/// <c>LearningRateAt(s − 1)</c>, as PyTorch's schedulers do when stepped after each epoch or batch.
/// </summary>
public abstract class LearningRateSchedule : ICallback
{
    protected LearningRateSchedule(ScheduleInterval interval)
    {
        if (!Enum.IsDefined(interval)) throw new ArgumentOutOfRangeException(nameof(interval), interval, "Unknown schedule interval.");
        Interval = interval;
    }

    public ScheduleInterval Interval { get; }

    /// <summary>
    /// The learning rate after <paramref name="t"/> epochs or steps, given the optimizer's
    /// learning rate when the run started (PyTorch's <c>initial_lr</c>).
    /// </summary>
    public abstract double LearningRateAt(long t, double initialLearningRate);

    public virtual void OnTrainBegin(TrainingContext context)
    {
        if (Interval == ScheduleInterval.Step) Apply(context, context.Step);
    }

    public void OnEpochBegin(TrainingContext context, int epoch)
    {
        if (Interval == ScheduleInterval.Epoch) Apply(context, epoch - 1);
    }

    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (Interval == ScheduleInterval.Step && double.IsFinite(batch.Loss)) Apply(context, batch.Step);
    }

    private void Apply(TrainingContext context, long t) => context.Optimizer.LearningRate = (float)LearningRateAt(t, context.InitialLearningRate);
}

namespace Cnn.Training;

/// <summary>Whether a schedule advances once per epoch or once per optimisation step (PyTorch: where <c>scheduler.step()</c> is called).</summary>
public enum ScheduleInterval
{
    /// <summary>The rate is set before each epoch.</summary>
    Epoch,
    /// <summary>The rate is set after each optimisation step (and at the start).</summary>
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
    /// <summary>A schedule advancing per <paramref name="interval"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not a defined value.</exception>
    protected LearningRateSchedule(ScheduleInterval interval)
    {
        if (!Enum.IsDefined(interval)) throw new ArgumentOutOfRangeException(nameof(interval), interval, "Unknown schedule interval.");
        Interval = interval;
    }

    /// <summary>Whether t counts epochs or steps.</summary>
    public ScheduleInterval Interval { get; }

    /// <summary>
    /// The learning rate after <paramref name="t"/> epochs or steps, given the optimizer's
    /// learning rate when the run started (PyTorch's <c>initial_lr</c>).
    /// </summary>
    public abstract double LearningRateAt(long t, double initialLearningRate);

    /// <summary>With a per-step schedule, sets the rate for the first step of the run (or of the resume).</summary>
    public virtual void OnTrainBegin(TrainingContext context)
    {
        if (Interval == ScheduleInterval.Step) Apply(context, context.Step);
    }

    /// <summary>With a per-epoch schedule, sets the rate of <paramref name="epoch"/> to <c>LearningRateAt(epoch − 1)</c>.</summary>
    public void OnEpochBegin(TrainingContext context, int epoch)
    {
        if (Interval == ScheduleInterval.Epoch) Apply(context, epoch - 1);
    }

    /// <summary>With a per-step schedule, sets the rate of the next step after a step with a finite loss.</summary>
    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (Interval == ScheduleInterval.Step && double.IsFinite(batch.Loss)) Apply(context, batch.Step);
    }

    private void Apply(TrainingContext context, long t) => context.Optimizer.LearningRate = (float)LearningRateAt(t, context.InitialLearningRate);
}

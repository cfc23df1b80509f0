namespace Cnn.Training;

/// <summary>The initial learning rate times a function of the epoch or step: <c>lr = initial · factor(t)</c>, as <c>torch.optim.lr_scheduler.LambdaLR</c>.</summary>
public sealed class LambdaLR(Func<long, double> factor, ScheduleInterval interval = ScheduleInterval.Epoch) : LearningRateSchedule(interval)
{
    private readonly Func<long, double> _factor = factor ?? throw new ArgumentNullException(nameof(factor));

    /// <inheritdoc/>
    public override double LearningRateAt(long t, double initialLearningRate) => initialLearningRate * _factor(t);
}

namespace Cnn.Training;

/// <summary>
/// Multiplies the initial learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> epochs
/// (or steps): <c>lr = initial · gamma^⌊t / stepSize⌋</c>, as <c>torch.optim.lr_scheduler.StepLR</c>.
/// </summary>
public sealed class StepLR : LearningRateSchedule
{
    public StepLR(int stepSize, double gamma = 0.1, ScheduleInterval interval = ScheduleInterval.Epoch)
        : base(interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be positive.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    public int StepSize { get; }
    public double Gamma { get; }

    public override double LearningRateAt(long t, double initialLearningRate) => initialLearningRate * Math.Pow(Gamma, t / StepSize);
}

namespace Cnn.Training;

/// <summary>
/// Multiplies the initial learning rate by <see cref="Gamma"/> every <see cref="StepSize"/> epochs
/// (or steps): <c>lr = initial · gamma^⌊t / stepSize⌋</c>, as <c>torch.optim.lr_scheduler.StepLR</c>.
/// </summary>
public sealed class StepLR : LearningRateSchedule
{
    /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepSize"/> epochs (or steps, with <paramref name="interval"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> or <paramref name="gamma"/> is not positive.</exception>
    public StepLR(int stepSize, double gamma = 0.1, ScheduleInterval interval = ScheduleInterval.Epoch)
        : base(interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepSize);
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be positive.");
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Epochs or steps between decays, positive.</summary>
    public int StepSize { get; }
    /// <summary>The factor applied at each decay, positive.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public override double LearningRateAt(long t, double initialLearningRate) => initialLearningRate * Math.Pow(Gamma, t / StepSize);
}

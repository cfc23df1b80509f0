namespace Cnn.Training;

/// <summary>
/// Anneals the learning rate from its initial value to <see cref="EtaMin"/> along half a cosine
/// over <see cref="TMax"/> epochs or steps: <c>lr = etaMin + (initial − etaMin)(1 + cos(π·t/tMax))/2</c>,
/// the closed form of <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> (past tMax it rises again,
/// as PyTorch's does).
/// </summary>
public sealed class CosineAnnealingLR : LearningRateSchedule
{
    /// <summary>A cosine from the initial rate down to <paramref name="etaMin"/> over <paramref name="tMax"/> epochs (or steps, with <paramref name="interval"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tMax"/> is not positive or <paramref name="etaMin"/> is negative.</exception>
    public CosineAnnealingLR(int tMax, double etaMin = 0, ScheduleInterval interval = ScheduleInterval.Epoch)
        : base(interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        ArgumentOutOfRangeException.ThrowIfNegative(etaMin);
        TMax = tMax;
        EtaMin = etaMin;
    }

    /// <summary>Epochs or steps in half a period, positive.</summary>
    public int TMax { get; }
    /// <summary>The lowest learning rate, reached at t = TMax.</summary>
    public double EtaMin { get; }

    /// <inheritdoc/>
    public override double LearningRateAt(long t, double initialLearningRate) =>
        EtaMin + (initialLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * t / TMax)) / 2;
}

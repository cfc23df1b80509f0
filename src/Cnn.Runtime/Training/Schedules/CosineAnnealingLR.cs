namespace Cnn.Training;

/// <summary>
/// Anneals the learning rate from its initial value to <see cref="EtaMin"/> along half a cosine
/// over <see cref="TMax"/> epochs or steps: <c>lr = etaMin + (initial − etaMin)(1 + cos(π·t/tMax))/2</c>,
/// the closed form of <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> (past tMax it rises again,
/// as PyTorch's does).
/// </summary>
public sealed class CosineAnnealingLR : LearningRateSchedule
{
    public CosineAnnealingLR(int tMax, double etaMin = 0, ScheduleInterval interval = ScheduleInterval.Epoch)
        : base(interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        ArgumentOutOfRangeException.ThrowIfNegative(etaMin);
        TMax = tMax;
        EtaMin = etaMin;
    }

    public int TMax { get; }
    public double EtaMin { get; }

    public override double LearningRateAt(long t, double initialLearningRate) =>
        EtaMin + (initialLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * t / TMax)) / 2;
}

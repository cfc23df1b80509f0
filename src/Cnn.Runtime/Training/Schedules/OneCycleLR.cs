namespace Cnn.Training;

/// <summary>How <see cref="OneCycleLR"/> moves between two rates within a phase.</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine between the two rates, PyTorch's <c>'cos'</c>.</summary>
    Cos,
    /// <summary>A straight line between the two rates, PyTorch's <c>'linear'</c>.</summary>
    Linear,
}

/// <summary>
/// The one-cycle policy of <c>torch.optim.lr_scheduler.OneCycleLR</c>, per step, with its defaults:
/// from <c>maxLr / divFactor</c> up to <see cref="MaxLearningRate"/> over the first
/// <see cref="PctStart"/> of the steps, then down to <c>maxLr / divFactor / finalDivFactor</c>
/// (with <see cref="ThreePhase"/>: back to the initial rate first, then down). The rate it starts
/// from replaces the optimizer's. Momentum is not cycled (PyTorch's <c>cycle_momentum=False</c>):
/// the optimizers' momentum and betas are fixed at construction.
/// </summary>
public sealed class OneCycleLR : LearningRateSchedule
{
    private long _resolvedTotalSteps;

    /// <param name="maxLr">The peak learning rate.</param>
    /// <param name="totalSteps">Steps in the cycle; null takes epochs × batches per epoch of the run.</param>
    /// <param name="pctStart">The fraction of the cycle spent increasing the rate.</param>
    /// <param name="anneal">Cosine or linear annealing within each phase.</param>
    /// <param name="divFactor">initial_lr = maxLr / divFactor.</param>
    /// <param name="finalDivFactor">min_lr = initial_lr / finalDivFactor.</param>
    /// <param name="threePhase">Use a third phase that anneals from initial_lr to min_lr, as fast.ai does.</param>
    public OneCycleLR(double maxLr, long? totalSteps = null, double pctStart = 0.3, AnnealStrategy anneal = AnnealStrategy.Cos,
        double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(ScheduleInterval.Step)
    {
        if (!(maxLr > 0)) throw new ArgumentOutOfRangeException(nameof(maxLr), maxLr, "The maximum learning rate must be positive.");
        if (totalSteps is < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "The cycle needs at least one step.");
        if (!(pctStart is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, "pctStart must be between 0 and 1, exclusive.");
        if (!(divFactor > 0)) throw new ArgumentOutOfRangeException(nameof(divFactor), divFactor, "divFactor must be positive.");
        if (!(finalDivFactor > 0)) throw new ArgumentOutOfRangeException(nameof(finalDivFactor), finalDivFactor, "finalDivFactor must be positive.");
        MaxLearningRate = maxLr;
        TotalSteps = totalSteps;
        PctStart = pctStart;
        Anneal = anneal;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
        ThreePhase = threePhase;
        _resolvedTotalSteps = totalSteps ?? 0;
    }

    /// <summary>The peak learning rate, positive.</summary>
    public double MaxLearningRate { get; }
    /// <summary>Steps in the cycle as given; null means epochs × batches per epoch of the run.</summary>
    public long? TotalSteps { get; }
    /// <summary>The fraction of the cycle spent increasing the rate, in (0, 1).</summary>
    public double PctStart { get; }
    /// <summary>How the rate moves within each phase.</summary>
    public AnnealStrategy Anneal { get; }
    /// <summary>The starting rate is MaxLearningRate / DivFactor.</summary>
    public double DivFactor { get; }
    /// <summary>The final rate is the starting rate / FinalDivFactor.</summary>
    public double FinalDivFactor { get; }
    /// <summary>Whether a third phase anneals from the starting rate to the final one (fast.ai's variant).</summary>
    public bool ThreePhase { get; }

    /// <summary>The rate of the first step: maxLr / divFactor.</summary>
    public double InitialLearningRate => MaxLearningRate / DivFactor;

    /// <summary>The rate at the end of the cycle: initial / finalDivFactor.</summary>
    public double MinLearningRate => InitialLearningRate / FinalDivFactor;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException"><see cref="TotalSteps"/> is shorter than the run.</exception>
    public override void OnTrainBegin(TrainingContext context)
    {
        long planned = (long)context.Epochs * context.BatchesPerEpoch;
        if (TotalSteps is long total && total < planned)
            throw new InvalidOperationException($"OneCycleLR was given {total} total steps but the run trains {planned} ({context.Epochs} epochs × {context.BatchesPerEpoch} batches); PyTorch would fail at step {total + 1}.");
        _resolvedTotalSteps = TotalSteps ?? planned;
        base.OnTrainBegin(context);
    }

    /// <summary>PyTorch's <c>OneCycleLR.get_lr</c> at <c>last_epoch = t</c>; the initial learning rate argument is not used.</summary>
    public override double LearningRateAt(long t, double initialLearningRate)
    {
        long total = _resolvedTotalSteps;
        if (total < 1) throw new InvalidOperationException("OneCycleLR needs its total steps: give totalSteps, or let Fit supply them.");
        if (t > total) throw new ArgumentOutOfRangeException(nameof(t), t, $"Step {t} is past the cycle's {total} total steps.");

        double initial = InitialLearningRate, max = MaxLearningRate, min = MinLearningRate;
        Span<(double EndStep, double Start, double End)> phases = stackalloc (double, double, double)[3];
        int count;
        if (ThreePhase)
        {
            phases[0] = (PctStart * total - 1, initial, max);
            phases[1] = (2 * PctStart * total - 2, max, initial);
            phases[2] = (total - 1, initial, min);
            count = 3;
        }
        else
        {
            phases[0] = (PctStart * total - 1, initial, max);
            phases[1] = (total - 1, max, min);
            count = 2;
        }

        double startStep = 0;
        for (int i = 0; i < count; i++)
        {
            double endStep = phases[i].EndStep;
            if (t <= endStep || i == count - 1)
            {
                double pct = (t - startStep) / (endStep - startStep);
                return Anneal == AnnealStrategy.Cos ? AnnealCos(phases[i].Start, phases[i].End, pct) : AnnealLinear(phases[i].Start, phases[i].End, pct);
            }
            startStep = endStep;
        }
        throw new InvalidOperationException("unreachable");
    }

    private static double AnnealCos(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);

    private static double AnnealLinear(double start, double end, double pct) => (end - start) * pct + start;
}

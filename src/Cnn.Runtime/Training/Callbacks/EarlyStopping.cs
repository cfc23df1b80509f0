using System.Globalization;

namespace Cnn.Training;

/// <summary>
/// Stops training when a monitored quantity has stopped improving, with Keras's rules
/// (<c>keras.callbacks.EarlyStopping</c>): an epoch improves when it beats the best so far by more
/// than <see cref="MinDelta"/>; after <see cref="Patience"/> epochs without improvement (and never
/// on the first epoch) training stops. With <see cref="RestoreBestWeights"/>, the parameters and
/// buffers of the best epoch are kept on the host and written back when training ends.
/// </summary>
/// <remarks>
/// The patience count and best value survive a resume (<see cref="IStatefulCallback"/>); the best
/// weights do not, since they live in memory: after a resume, the best epoch is sought again from
/// the resumed epochs on.
/// </remarks>
public sealed class EarlyStopping : IStatefulCallback
{
    private readonly Monitor _monitor;
    private WeightSnapshot? _bestWeights;
    private bool _haveBestWeights;
    private bool _resumed;

    /// <param name="monitor"><c>val_loss</c>, <c>val_accuracy</c>, <c>loss</c> or <c>accuracy</c>.</param>
    /// <param name="patience">Epochs without improvement after which training stops.</param>
    /// <param name="minDelta">How much better than the best an epoch must be to count as an improvement.</param>
    /// <param name="restoreBestWeights">Write the best epoch's weights back into the network when training ends.</param>
    /// <param name="mode">Whether smaller or larger is better; <see cref="MonitorMode.Auto"/> decides from the name.</param>
    /// <param name="baseline">A value the monitored quantity must beat for the patience count to reset.</param>
    public EarlyStopping(string monitor = "val_loss", int patience = 0, double minDelta = 0, bool restoreBestWeights = false, MonitorMode mode = MonitorMode.Auto, double? baseline = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        _monitor = Monitor.Create(monitor, mode);
        Patience = patience;
        MinDelta = Math.Abs(minDelta);
        RestoreBestWeights = restoreBestWeights;
        Baseline = baseline;
        Best = _monitor.Worst;
    }

    /// <summary>The watched quantity: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> or <c>val_accuracy</c>.</summary>
    public string MonitorName => _monitor.Name;
    /// <summary>Epochs without improvement after which training stops; 0 stops at the first one.</summary>
    public int Patience { get; }
    /// <summary>The margin, never negative, by which an epoch must beat the best to count as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>Whether the best epoch's parameters and buffers are written back when training ends.</summary>
    public bool RestoreBestWeights { get; }
    /// <summary>A value the quantity must beat before the patience count resets; null for none.</summary>
    public double? Baseline { get; }

    /// <summary>The best value seen so far.</summary>
    public double Best { get; private set; }

    /// <summary>The epoch (1-based) that had the best value; 0 before any.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The epoch after which training was stopped; 0 when it was not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <inheritdoc/>
    public string StateKey => $"early_stopping.{_monitor.Name}";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A validation quantity is watched but Fit has no validation set.</exception>
    public void OnTrainBegin(TrainingContext context)
    {
        _monitor.Check(context, nameof(EarlyStopping));
        if (!_resumed)
        {
            Best = _monitor.Worst;
            BestEpoch = 0;
            Wait = 0;
        }
        _resumed = false;
        StoppedEpoch = 0;
        if (RestoreBestWeights) _bestWeights ??= new WeightSnapshot(context.Network);
        _haveBestWeights = false;
    }

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        double current = _monitor.ValueOf(result);
        if (double.IsNaN(current)) return;
        if (RestoreBestWeights && !_haveBestWeights)
        {
            // Keras's rule: until something improves, the first weights seen are the best.
            _bestWeights!.Capture(context.Network);
            _haveBestWeights = true;
            BestEpoch = result.Epoch;
        }
        Wait++;
        if (_monitor.IsImprovement(current, Best, MinDelta))
        {
            Best = current;
            BestEpoch = result.Epoch;
            if (RestoreBestWeights) _bestWeights!.Capture(context.Network);
            if (Baseline is not double baseline || _monitor.IsImprovement(current, baseline, MinDelta)) Wait = 0;
            return;
        }
        if (Wait >= Patience && result.Epoch > 1)
        {
            StoppedEpoch = result.Epoch;
            context.Stop(string.Create(CultureInfo.InvariantCulture,
                $"early stopping: {_monitor.Name} has not improved on {Best:G6} (epoch {BestEpoch}) for {Wait} epoch(s)"));
        }
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingContext context)
    {
        if (StoppedEpoch > 0) context.Log($"Epoch {StoppedEpoch}: early stopping.");
        if (RestoreBestWeights && _haveBestWeights)
        {
            _bestWeights!.Restore(context.Network);
            context.Log($"Restored the weights from the end of the best epoch, {BestEpoch}.");
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SaveState() => new Dictionary<string, double>
    {
        ["best"] = Best,
        ["best_epoch"] = BestEpoch,
        ["wait"] = Wait,
    };

    /// <inheritdoc/>
    public void LoadState(IReadOnlyDictionary<string, double> state)
    {
        Best = state["best"];
        BestEpoch = (int)state["best_epoch"];
        Wait = (int)state["wait"];
        _resumed = true;
    }
}

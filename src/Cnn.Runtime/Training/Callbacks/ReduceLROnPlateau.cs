using System.Globalization;

namespace Cnn.Training;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> when the monitored quantity has not improved
/// for <see cref="Patience"/> epochs, never going below <see cref="MinLearningRate"/>; Keras's
/// <c>ReduceLROnPlateau</c>, with its defaults. After a reduction it waits <see cref="Cooldown"/>
/// epochs before counting again.
/// </summary>
/// <remarks>Combined with a schedule, whichever runs last in an epoch sets the rate; use one or the other.</remarks>
public sealed class ReduceLROnPlateau : IStatefulCallback
{
    private readonly Monitor _monitor;
    private bool _resumed;

    /// <param name="monitor"><c>val_loss</c>, <c>val_accuracy</c>, <c>loss</c> or <c>accuracy</c>.</param>
    /// <param name="factor">What the learning rate is multiplied by, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement before a reduction.</param>
    /// <param name="minLr">The floor of the learning rate.</param>
    /// <param name="minDelta">How much better than the best an epoch must be to count as an improvement.</param>
    /// <param name="cooldown">Epochs after a reduction during which no epoch counts as a bad one.</param>
    /// <param name="mode">Whether smaller or larger is better; <see cref="MonitorMode.Auto"/> decides from the name.</param>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, double minLr = 0, double minDelta = 1e-4, int cooldown = 0, MonitorMode mode = MonitorMode.Auto)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be between 0 and 1, exclusive.");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        ArgumentOutOfRangeException.ThrowIfNegative(minLr);
        _monitor = Monitor.Create(monitor, mode);
        Factor = factor;
        Patience = patience;
        MinLearningRate = minLr;
        MinDelta = Math.Abs(minDelta);
        Cooldown = cooldown;
        Best = _monitor.Worst;
    }

    /// <summary>The watched quantity: <c>loss</c>, <c>accuracy</c>, <c>val_loss</c> or <c>val_accuracy</c>.</summary>
    public string MonitorName => _monitor.Name;
    /// <summary>What the learning rate is multiplied by at a reduction, in (0, 1).</summary>
    public double Factor { get; }
    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }
    /// <summary>The floor that reductions never go below, 0 or more.</summary>
    public double MinLearningRate { get; }
    /// <summary>The margin, never negative, by which an epoch must beat the best to count as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>Epochs after a reduction during which none counts as a bad one.</summary>
    public int Cooldown { get; }

    /// <summary>The best value seen so far.</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the last improvement, outside cooldown.</summary>
    public int Wait { get; private set; }

    /// <summary>Cooldown epochs left.</summary>
    public int CooldownCounter { get; private set; }

    /// <inheritdoc/>
    public string StateKey => $"reduce_lr_on_plateau.{_monitor.Name}";

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">A validation quantity is watched but Fit has no validation set.</exception>
    public void OnTrainBegin(TrainingContext context)
    {
        _monitor.Check(context, nameof(ReduceLROnPlateau));
        if (!_resumed)
        {
            Best = _monitor.Worst;
            Wait = 0;
            CooldownCounter = 0;
        }
        _resumed = false;
    }

    /// <inheritdoc/>
    public void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        double current = _monitor.ValueOf(result);
        if (double.IsNaN(current)) return;
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            Wait = 0;
        }
        if (_monitor.IsImprovement(current, Best, MinDelta))
        {
            Best = current;
            Wait = 0;
            return;
        }
        if (CooldownCounter > 0) return;
        Wait++;
        if (Wait < Patience) return;
        double old = context.Optimizer.LearningRate;
        if (old > (float)MinLearningRate)
        {
            double reduced = Math.Max(old * Factor, MinLearningRate);
            context.Optimizer.LearningRate = (float)reduced;
            CooldownCounter = Cooldown;
            Wait = 0;
            context.Log(string.Create(CultureInfo.InvariantCulture, $"Epoch {result.Epoch}: ReduceLROnPlateau reduced the learning rate to {reduced:G6}."));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SaveState() => new Dictionary<string, double>
    {
        ["best"] = Best,
        ["wait"] = Wait,
        ["cooldown_counter"] = CooldownCounter,
    };

    /// <inheritdoc/>
    public void LoadState(IReadOnlyDictionary<string, double> state)
    {
        Best = state["best"];
        Wait = (int)state["wait"];
        CooldownCounter = (int)state["cooldown_counter"];
        _resumed = true;
    }
}

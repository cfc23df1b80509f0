namespace Cnn.Training;

/// <summary>Whether a monitored quantity improves by falling or by rising; <see cref="Auto"/> decides from its name (accuracy rises, loss falls), as Keras does.</summary>
public enum MonitorMode
{
    /// <summary>Maximise names ending in <c>accuracy</c>, minimise the others.</summary>
    Auto,
    /// <summary>Smaller is better.</summary>
    Min,
    /// <summary>Larger is better.</summary>
    Max,
}

/// <summary>One of the four quantities a callback can watch, read from an <see cref="EpochResult"/>.</summary>
internal readonly struct Monitor
{
    public static readonly string[] Names = ["loss", "accuracy", "val_loss", "val_accuracy"];

    private Monitor(string name, bool maximise)
    {
        Name = name;
        Maximise = maximise;
    }

    public string Name { get; }

    /// <summary>True when larger values are better.</summary>
    public bool Maximise { get; }

    public bool NeedsValidation => Name.StartsWith("val_", StringComparison.Ordinal);

    /// <summary>The value no real one can be worse than.</summary>
    public double Worst => Maximise ? double.NegativeInfinity : double.PositiveInfinity;

    public static Monitor Create(string name, MonitorMode mode, string parameterName = "monitor")
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (Array.IndexOf(Names, name) < 0)
            throw new ArgumentException($"Cannot monitor '{name}': choose one of {string.Join(", ", Names)}.", parameterName);
        bool maximise = mode switch
        {
            MonitorMode.Max => true,
            MonitorMode.Min => false,
            MonitorMode.Auto => name.EndsWith("accuracy", StringComparison.Ordinal),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown monitor mode."),
        };
        return new Monitor(name, maximise);
    }

    /// <summary>Throws when the run cannot supply this quantity, before the first epoch rather than after it.</summary>
    public void Check(TrainingContext context, string callback)
    {
        if (NeedsValidation && !context.HasValidation)
            throw new InvalidOperationException($"{callback} monitors '{Name}' but Fit was given no validation set; pass one, or monitor '{Name[4..]}'.");
    }

    public double ValueOf(EpochResult result) => Name switch
    {
        "loss" => result.Loss,
        "accuracy" => result.Accuracy,
        "val_loss" => result.ValidationLoss ?? double.NaN,
        _ => result.ValidationAccuracy ?? double.NaN,
    };

    /// <summary>Keras's test: better than <paramref name="reference"/> by more than <paramref name="minDelta"/>. NaN never improves.</summary>
    public bool IsImprovement(double current, double reference, double minDelta) =>
        Maximise ? current - minDelta > reference : current + minDelta < reference;
}

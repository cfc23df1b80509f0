namespace Cnn.Compare;

/// <summary>A row of the comparison: the Cnn side's pooled values and those of each other side measured.</summary>
internal sealed record ComparisonRow(Target Target, Sample Cnn, Sample? Torch, Sample? Ort)
{
    /// <summary>Cnn/PyTorch (Cnn/numpy for SGEMM), or null where PyTorch was not measured.</summary>
    public Ratio? VsTorch => Torch is null ? null
        : new Ratio(Target, Target.TorchMetric.StartsWith("numpy", StringComparison.Ordinal) ? "numpy" : "PyTorch", Cnn.Median / Torch.Median, Target.VsTorch);

    /// <summary>Cnn/ONNX Runtime, or null where ONNX Runtime was not measured.</summary>
    public Ratio? VsOrt => Ort is null ? null : new Ratio(Target, "ORT", Cnn.Median / Ort.Median, Target.VsOrt);

    /// <summary>The ratios this row has, PyTorch's first.</summary>
    public IEnumerable<Ratio> Ratios => new[] { VsTorch, VsOrt }.OfType<Ratio>();
}

/// <summary>Cnn's median over another side's, and the target it must reach (null: none).</summary>
internal sealed record Ratio(Target Target, string Against, double Value, double? Goal)
{
    /// <summary>Met or missed; null without a target.</summary>
    public bool? Pass => Goal is not { } goal ? null : Target.HigherIsBetter ? Value >= goal : Value <= goal;

    /// <summary>How many times better than the other side, whichever way the quantity points: what the chart draws.</summary>
    public double Advantage => Target.HigherIsBetter ? Value : 1 / Value;

    /// <summary>The target as the chart draws it (times better), or null without one.</summary>
    public double? GoalAdvantage => Goal is not { } goal ? null : Target.HigherIsBetter ? goal : 1 / goal;

    public string GoalText => Goal is { } goal ? $"{Target.Comparison} {goal:0.0#}×" : "–";

    public string PassText => Pass switch { true => "met", false => "MISS", null => "" };
}

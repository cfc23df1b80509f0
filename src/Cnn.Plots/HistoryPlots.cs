using Cnn.Training;
using ScottPlot;

namespace Cnn.Plots;

/// <summary>
/// Learning curves from a training history (<see cref="EpochResult"/> rows, as Fit returns or
/// <see cref="HistoryFile"/> reads): loss and accuracy per epoch, training and validation, with the
/// best validation epoch marked.
/// </summary>
public static class HistoryPlots
{
    private static readonly Color TrainingColor = Color.FromHex("#1f77b4");
    private static readonly Color ValidationColor = Color.FromHex("#ff7f0e");
    private static readonly Color BestColor = Color.FromHex("#2ca02c");

    /// <summary>Training and validation loss per epoch; a dotted line marks the epoch with the lowest validation loss.</summary>
    public static Plot Loss(IReadOnlyList<EpochResult> history, string title = "Loss") =>
        Curves(history, title, "Loss", r => r.Loss, r => r.ValidationLoss, lowerIsBetter: true, Alignment.UpperRight);

    /// <summary>Training and validation accuracy (in %) per epoch; a dotted line marks the epoch with the highest validation accuracy.</summary>
    public static Plot Accuracy(IReadOnlyList<EpochResult> history, string title = "Accuracy") =>
        Curves(history, title, "Accuracy (%)", r => 100 * r.Accuracy, r => 100 * r.ValidationAccuracy, lowerIsBetter: false, Alignment.LowerRight);

    /// <summary>Writes <see cref="Loss"/>'s plot as a PNG of <paramref name="width"/> × <paramref name="height"/> pixels, atomically.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static void SaveLoss(IReadOnlyList<EpochResult> history, string path, int width = 800, int height = 500) =>
        PlotOutput.SavePng(Loss(history), path, width, height);

    /// <summary>Writes <see cref="Accuracy"/>'s plot as a PNG of <paramref name="width"/> × <paramref name="height"/> pixels, atomically.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public static void SaveAccuracy(IReadOnlyList<EpochResult> history, string path, int width = 800, int height = 500) =>
        PlotOutput.SavePng(Accuracy(history), path, width, height);

    /// <summary>Loss on the left, accuracy on the right, in one picture.</summary>
    public static void Save(IReadOnlyList<EpochResult> history, string path, int width = 1400, int height = 500)
    {
        Plot loss = Loss(history), accuracy = Accuracy(history);
        int half = width / 2;
        PlotOutput.SavePng(path, width, height, canvas =>
        {
            // Each plot renders on its own surface: a plot clears the canvas it is given.
            PlotOutput.DrawPlot(canvas, loss, 0, half, height);
            PlotOutput.DrawPlot(canvas, accuracy, half, width - half, height);
        });
    }

    private static Plot Curves(IReadOnlyList<EpochResult> history, string title, string yLabel, Func<EpochResult, double> training,
        Func<EpochResult, double?> validation, bool lowerIsBetter, Alignment legend)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("The history is empty: there is nothing to plot.", nameof(history));

        Plot plot = PlotOutput.NewPlot();
        double[] epochs = history.Select(r => (double)r.Epoch).ToArray();
        AddCurve(plot, epochs, history.Select(training).ToArray(), "training", TrainingColor, LinePattern.Solid);

        EpochResult[] validated = history.Where(r => validation(r) is double v && double.IsFinite(v)).ToArray();
        if (validated.Length > 0)
        {
            double[] values = validated.Select(r => validation(r)!.Value).ToArray();
            AddCurve(plot, validated.Select(r => (double)r.Epoch).ToArray(), values, "validation", ValidationColor, LinePattern.Dashed);
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                if (lowerIsBetter ? values[i] < values[best] : values[i] > values[best]) best = i;
            }
            var line = plot.Add.VerticalLine(validated[best].Epoch, 1.5f, BestColor, LinePattern.Dotted);
            line.LegendText = $"best validation: epoch {validated[best].Epoch} ({values[best]:G4})";
        }

        plot.Title(title);
        plot.XLabel("Epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (epochs.Length == 1) plot.Axes.SetLimitsX(epochs[0] - 1, epochs[0] + 1);
        plot.ShowLegend(legend);
        return plot;
    }

    private static void AddCurve(Plot plot, double[] xs, double[] ys, string label, Color color, LinePattern pattern)
    {
        var scatter = plot.Add.Scatter(xs, ys, color);
        scatter.LegendText = label;
        scatter.LineWidth = 2;
        scatter.LinePattern = pattern;
        scatter.MarkerSize = 6;
    }
}

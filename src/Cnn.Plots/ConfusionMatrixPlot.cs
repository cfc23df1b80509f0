using System.Globalization;
using Cnn.Training;
using ScottPlot;

namespace Cnn.Plots;

/// <summary>
/// A confusion matrix as a heatmap: true classes down the side, predicted classes along the bottom,
/// both named; each cell shows its count (and, normalised, its share of the true class).
/// </summary>
public static class ConfusionMatrixPlot
{
    /// <param name="matrix">The counts, e.g. from <c>network.ConfusionMatrix(test)</c>.</param>
    /// <param name="normalize">Colour by the share of each true class (recall per cell) rather than by count.</param>
    /// <param name="title">The title; by default it gives the accuracy and the number of samples.</param>
    public static Plot Create(ConfusionMatrix matrix, bool normalize = false, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.ClassCount;
        double[,] cells = new double[n, n];
        double max = 0;
        for (int a = 0; a < n; a++)
        {
            long support = matrix.Support(a);
            for (int p = 0; p < n; p++)
            {
                cells[a, p] = normalize ? (support == 0 ? 0 : (double)matrix[a, p] / support) : matrix[a, p];
                max = Math.Max(max, cells[a, p]);
            }
        }

        Plot plot = PlotOutput.NewPlot();
        var heatmap = plot.Add.Heatmap(cells);
        // ScottPlot's Blues runs from dark to white; reversed, empty cells are white, as in matplotlib.
        heatmap.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());
        // Cell (row a, column p) is centred on (x = p, y = n − 1 − a): the first class at the top left.
        heatmap.Rectangle = new CoordinateRect(-0.5, n - 0.5, -0.5, n - 0.5);
        heatmap.ManualRange = new ScottPlot.Range(0, normalize ? 1 : Math.Max(1, max));
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = normalize ? "share of the true class" : "samples";

        float fontSize = n <= 10 ? 14 : n <= 20 ? 10 : 7;
        for (int a = 0; a < n; a++)
        {
            for (int p = 0; p < n; p++)
            {
                string text = matrix[a, p].ToString(CultureInfo.InvariantCulture);
                if (normalize) text = string.Create(CultureInfo.InvariantCulture, $"{100 * cells[a, p]:F0}%\n{text}");
                var label = plot.Add.Text(text, p, n - 1 - a);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = fontSize;
                label.LabelFontColor = cells[a, p] > 0.55 * (normalize ? 1 : max) ? Colors.White : Colors.Black;
            }
        }

        double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, matrix.ClassNames.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            positions.Select(y => n - 1 - y).ToArray(), matrix.ClassNames.ToArray());
        if (matrix.ClassNames.Any(name => name.Length > 4) && n > 3)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.MinimumSize = 20 + 7 * matrix.ClassNames.Max(name => name.Length);
        }
        plot.Axes.Left.MinimumSize = 20 + 7 * matrix.ClassNames.Max(name => name.Length);
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.HideGrid();
        plot.XLabel("Predicted class");
        plot.YLabel("True class");
        plot.Title(title ?? string.Create(CultureInfo.InvariantCulture, $"Confusion matrix: {100 * matrix.Accuracy:F1}% correct of {matrix.Total:N0}"));
        return plot;
    }

    /// <summary>Writes the heatmap as a PNG; by default the picture grows with the number of classes.</summary>
    public static void Save(ConfusionMatrix matrix, string path, bool normalize = false, int? width = null, int? height = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int side = Math.Clamp(200 + 55 * matrix.ClassCount, 500, 2000);
        PlotOutput.SavePng(Create(matrix, normalize), path, width ?? side + 120, height ?? side);
    }
}

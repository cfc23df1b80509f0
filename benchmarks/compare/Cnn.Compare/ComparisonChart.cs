using ScottPlot;

namespace Cnn.Compare;

/// <summary>
/// The comparison as a bar chart: for each cell, how many times better Cnn is than PyTorch
/// (throughput ratio, or PyTorch's time or memory over Cnn's), green where it meets its target and
/// red where it misses; a black tick marks each target and a dashed line parity.
/// </summary>
internal static class ComparisonChart
{
    public static void Save(IReadOnlyList<Cell> cells, string path, int threads)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var positions = new double[cells.Count];
        var labels = new string[cells.Count];
        for (int i = 0; i < cells.Count; i++)
        {
            Cell c = cells[i];
            double advantage = c.Target.Advantage(c.Ratio);
            bars.Add(new Bar
            {
                Position = i,
                Value = advantage,
                FillColor = c.Pass ? Colors.SeaGreen : Colors.IndianRed,
                Label = $"{advantage:0.00}×",
            });
            var tick = plot.Add.Line(i - 0.45, c.Target.TargetAdvantage, i + 0.45, c.Target.TargetAdvantage);
            tick.LineWidth = 3;
            tick.LineColor = Colors.Black;
            positions[i] = i;
            labels[i] = c.Target.Net is null || c.Target.Group == "Peak RSS" ? Short(c.Target.Group) : $"{Short(c.Target.Group)}\n{c.Target.Label}";
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;
        var parity = plot.Add.HorizontalLine(1);
        parity.LinePattern = LinePattern.Dashed;
        parity.LineColor = Colors.Gray;

        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 11;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title($"Cnn vs PyTorch 1.13 on the CPU, {threads} threads: times better than PyTorch (black tick: target)");
        plot.YLabel("× PyTorch (higher is better)");
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.SavePng(path, 1500, 650);
    }

    private static string Short(string group) => group switch
    {
        "MNIST tutorial net" => "MNIST net",
        "CIFAR AlexNet-like" => "CIFAR AlexNet",
        "SGEMM 2048×2048" => "SGEMM 2048\nvs numpy.dot",
        "Peak RSS" => "peak RSS\ntraining run",
        _ => group,
    };
}

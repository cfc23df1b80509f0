using ScottPlot;

namespace Cnn.Compare;

/// <summary>
/// The comparison as a bar chart: for each ratio of each row (against PyTorch, against ONNX
/// Runtime), how many times better Cnn is (throughput ratio, or the other side's time or memory over
/// Cnn's), green where it meets its target, red where it misses, grey where it has none; a black
/// tick marks each target and a dashed line parity.
/// </summary>
internal static class ComparisonChart
{
    public static void Save(IReadOnlyList<ComparisonRow> rows, string path, int threads)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var positions = new List<double>();
        var labels = new List<string>();
        foreach (ComparisonRow row in rows)
        {
            foreach (Ratio ratio in row.Ratios)
            {
                int i = positions.Count;
                bars.Add(new Bar
                {
                    Position = i,
                    Value = ratio.Advantage,
                    FillColor = ratio.Pass switch { true => Colors.SeaGreen, false => Colors.IndianRed, null => Colors.Gray },
                    Label = $"{ratio.Advantage:0.00}×",
                });
                if (ratio.GoalAdvantage is { } goal)
                {
                    var tick = plot.Add.Line(i - 0.45, goal, i + 0.45, goal);
                    tick.LineWidth = 3;
                    tick.LineColor = Colors.Black;
                }
                positions.Add(i);
                string what = row.Target.Net is null || row.Target.Group == "Peak RSS" ? Short(row.Target.Group) : $"{Short(row.Target.Group)}\n{row.Target.Label}";
                labels.Add($"{what}\nvs {ratio.Against}");
            }
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        var parity = plot.Add.HorizontalLine(1);
        parity.LinePattern = LinePattern.Dashed;
        parity.LineColor = Colors.Gray;

        plot.Axes.Bottom.SetTicks(positions.ToArray(), labels.ToArray());
        plot.Axes.Bottom.TickLabelStyle.FontSize = 10;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title($"Cnn vs PyTorch 1.13 and ONNX Runtime on the CPU, {threads} threads: times better than the other side (black tick: target)");
        plot.YLabel("× the other side (higher is better)");
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        plot.SavePng(path, Math.Max(1500, 75 * positions.Count), 700);
    }

    private static string Short(string group) => group switch
    {
        "MNIST tutorial net" => "MNIST net",
        "CIFAR AlexNet-like" => "CIFAR AlexNet",
        "ResNet-18 224×224" => "ResNet-18",
        "SGEMM 2048×2048" => "SGEMM 2048",
        "Peak RSS" => "peak RSS\ntraining run",
        _ => group,
    };
}

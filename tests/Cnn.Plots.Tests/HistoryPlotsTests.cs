using Cnn.Training;
using SkiaSharp;

namespace Cnn.Plots.Tests;

public class HistoryPlotsTests
{
    private const string Blue = "#1f77b4", Orange = "#ff7f0e", Green = "#2ca02c";

    private static List<EpochResult> History(bool validation) => Enumerable.Range(1, 10).Select(e =>
    {
        double loss = 0.3 + Math.Exp(-e / 3.0);
        double? validationLoss = validation ? 0.4 + Math.Exp(-e / 3.0) + 0.05 * Math.Max(0, e - 6) : null;
        return new EpochResult(e, loss, 1 - loss / 2, validationLoss, 1 - validationLoss / 2, 2, 1000, 0.001);
    }).ToList();

    [Fact]
    public void SaveLoss_WritesAPngOfTheRequestedSize_WithBothCurves_TheBestEpoch_AndText()
    {
        using var directory = new TempDirectory();
        string path = directory.File("plots/loss.png");

        HistoryPlots.SaveLoss(History(validation: true), path, 640, 400);

        using Png png = Png.Read(path);
        Assert.Equal((640, 400), (png.Width, png.Height));
        Assert.True(png.Count(Blue) > 300, "the training curve is drawn");
        Assert.True(png.Count(Orange) > 200, "the validation curve is drawn");
        Assert.True(png.Count(Green, 30) > 50, "the best epoch is marked");
        Assert.True(png.CountDark(new SKRectI(270, 0, 370, 30)) > 20, "the title is drawn: fonts render on this machine");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public void SaveAccuracy_WithoutValidation_DrawsOnlyTheTrainingCurve()
    {
        using var directory = new TempDirectory();
        HistoryPlots.SaveAccuracy(History(validation: false), directory.File("accuracy.png"));

        using Png png = Png.Read(directory.File("accuracy.png"));
        Assert.Equal((800, 500), (png.Width, png.Height));
        Assert.True(png.Count(Blue) > 300);
        Assert.Equal(0, png.Count(Orange, 10));
    }

    [Fact]
    public void Save_PutsLossAndAccuracySideBySide()
    {
        using var directory = new TempDirectory();
        HistoryPlots.Save(History(validation: true), directory.File("history.png"), 1200, 400);

        using Png png = Png.Read(directory.File("history.png"));
        Assert.Equal((1200, 400), (png.Width, png.Height));
        Assert.True(png.Count(Blue, area: new SKRectI(0, 0, 600, 400)) > 300, "loss on the left");
        Assert.True(png.Count(Blue, area: new SKRectI(600, 0, 1200, 400)) > 300, "accuracy on the right");
    }

    [Fact]
    public void Plots_AreLabelled()
    {
        ScottPlot.Plot loss = HistoryPlots.Loss(History(validation: true));
        Assert.Equal("Loss", loss.Axes.Title.Label.Text);
        Assert.Equal("Epoch", loss.Axes.Bottom.Label.Text);
        Assert.Equal(["training", "validation", "best validation: epoch 6 (0.5353)"],
            loss.GetPlottables().SelectMany(p => p.LegendItems).Select(i => i.LabelText));
        Assert.Throws<ArgumentException>(() => HistoryPlots.Loss([]));
    }
}

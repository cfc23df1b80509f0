using Cnn.Training;
using SkiaSharp;

namespace Cnn.Plots.Tests;

public class ConfusionMatrixPlotTests
{
    /// <summary>Class "first" always predicted as "third": a dark cell at the top right and nowhere else.</summary>
    private static ConfusionMatrix Lopsided()
    {
        var matrix = new ConfusionMatrix(["first", "second", "third"]);
        for (int i = 0; i < 50; i++) matrix.Add(0, 2);
        matrix.Add(1, 1);
        matrix.Add(2, 0);
        return matrix;
    }

    [Fact]
    public void Save_WritesAPngThatGrowsWithTheClasses()
    {
        using var directory = new TempDirectory();
        ConfusionMatrixPlot.Save(Lopsided(), directory.File("small.png"));
        var ten = new ConfusionMatrix(Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray());
        ten.Add(3, 3);
        ConfusionMatrixPlot.Save(ten, directory.File("ten.png"), normalize: true);

        using Png small = Png.Read(directory.File("small.png"));
        using Png large = Png.Read(directory.File("ten.png"));
        Assert.Equal((620, 500), (small.Width, small.Height));
        Assert.Equal((870, 750), (large.Width, large.Height));
    }

    [Fact]
    public void Heatmap_PutsTheFirstTrueClassOnTop_AndPredictionsLeftToRight()
    {
        ScottPlot.Plot plot = ConfusionMatrixPlot.Create(Lopsided());
        using Png png = Png.FromBytes(plot.GetImageBytes(600, 500, ScottPlot.ImageFormat.Png));

        // Sample beside each cell's centre, away from its number.
        SKColor Cell(int actual, int predicted)
        {
            ScottPlot.Pixel pixel = plot.GetPixel(new ScottPlot.Coordinates(predicted - 0.3, 2 - actual + 0.3));
            return png.Bitmap.GetPixel((int)pixel.X, (int)pixel.Y);
        }
        SKColor full = Cell(0, 2), empty = Cell(0, 0), one = Cell(1, 1);
        Assert.True(full.Red + full.Green + full.Blue < 250, $"the 50-sample cell is dark: {full}");
        Assert.True(empty.Red + empty.Green + empty.Blue > 740, $"an empty cell is white: {empty}");
        Assert.True(one.Blue > one.Red, $"a cell with 1 is faintly blue: {one}");
        Assert.True(png.CountDark(new SKRectI(0, 0, 600, 30)) > 20, "the title is drawn");
    }

    [Fact]
    public void Plot_NamesTheClassesAndAxes()
    {
        ScottPlot.Plot plot = ConfusionMatrixPlot.Create(Lopsided());
        plot.GetImageBytes(600, 500, ScottPlot.ImageFormat.Png); // ticks are generated at render time
        Assert.Equal("Predicted class", plot.Axes.Bottom.Label.Text);
        Assert.Equal("True class", plot.Axes.Left.Label.Text);
        Assert.Equal(["first", "second", "third"], plot.Axes.Bottom.TickGenerator.Ticks.Select(t => t.Label));
        Assert.Equal(["first", "second", "third"], plot.Axes.Left.TickGenerator.Ticks.OrderByDescending(t => t.Position).Select(t => t.Label));
        Assert.Contains("1.9%", plot.Axes.Title.Label.Text);
    }
}

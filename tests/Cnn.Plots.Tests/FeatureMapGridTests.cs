namespace Cnn.Plots.Tests;

public class FeatureMapGridTests
{
    private const string ViridisLow = "#440154", ViridisHigh = "#fde725";

    /// <summary>Four 3×5 maps: horizontal ramps, the last one holding a NaN.</summary>
    private static float[] Maps(bool withNaN)
    {
        float[] maps = new float[4 * 3 * 5];
        for (int c = 0; c < 4; c++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 5; x++) maps[(c * 3 + y) * 5 + x] = (c + 1) * x;
        if (withNaN) maps[3 * 15 + 7] = float.NaN;
        return maps;
    }

    [Fact]
    public void Save_DrawsEveryMapInAGrid_WithViridisExtremesAndRedForNaN()
    {
        using var directory = new TempDirectory();
        string path = directory.File("maps.png");

        FeatureMapGrid.Save(Maps(withNaN: true), 4, 3, 5, path, "conv1: 4 feature maps");

        using Png png = Png.Read(path);
        // 2×2 grid of 100×60 tiles (scale 20), each cell 116×96, plus title and key; 420 wide at least.
        Assert.Equal((420, 44 + 2 * 96 + 46 + 16), (png.Width, png.Height));
        // Each ramp starts at its minimum and ends at its maximum: a 20-pixel column of each extreme
        // per tile, less the pixels under the tile's frame.
        Assert.True(png.Count(ViridisLow, 8) >= 4 * 19 * 58, "every map's minimum is drawn dark");
        Assert.True(png.Count(ViridisHigh, 8) >= 4 * 19 * 58, "every map's maximum is drawn yellow");
        Assert.Equal(20 * 20, png.Count("#ff0000", 8));
        Assert.True(png.CountDark(new SkiaSharp.SKRectI(100, 5, 320, 35)) > 30, "the title is drawn");
    }

    [Fact]
    public void Save_HonoursColumnsAndTileSize()
    {
        using var directory = new TempDirectory();
        FeatureMapGrid.Save(Maps(withNaN: false), 4, 3, 5, directory.File("row.png"), columns: 4, tileSize: 100);

        using Png png = Png.Read(directory.File("row.png"));
        // One row of four 100×60 tiles (scale 20): cells 116 wide.
        Assert.Equal((16 + 4 * 116, 44 + 60 + 20 + 16 + 46 + 16), (png.Width, png.Height));
        Assert.Equal(0, png.Count("#ff0000", 8));
    }

    [Fact]
    public void Save_WidensThePictureForALongTitle()
    {
        using var directory = new TempDirectory();
        string title = "features.0: 4 feature maps of validation image 1234 (a rather long class name)";
        FeatureMapGrid.Save(Maps(withNaN: false), 4, 3, 5, directory.File("wide.png"), title);

        using Png png = Png.Read(directory.File("wide.png"));
        Assert.True(png.Width > 600, $"{png.Width} pixels");
        Assert.Equal(0, png.CountDark(new SkiaSharp.SKRectI(0, 0, 8, 40))); // the title does not touch the edge
    }

    [Fact]
    public void Save_OfCapturedMaps_TitlesThemWithTheLayer()
    {
        using var directory = new TempDirectory();
        var maps = new Cnn.Training.FeatureMaps("conv1", "Conv2d", new Cnn.TensorShape(4, 3, 5), Maps(withNaN: false));
        FeatureMapGrid.Save(maps, directory.File("conv1.png"));

        using Png png = Png.Read(directory.File("conv1.png"));
        Assert.Equal(44 + 2 * 96 + 46 + 16, png.Height);
        Assert.InRange(png.Width, 420, 520); // as wide as the title needs
        Assert.True(png.CountDark(new SkiaSharp.SKRectI(60, 5, 360, 35)) > 30, "the title is drawn");
    }

    [Fact]
    public void Save_RejectsValuesThatDoNotMatchTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => FeatureMapGrid.Save(new float[59], 4, 3, 5, "never.png"));
        Assert.Contains("60", error.Message);
        Assert.False(File.Exists("never.png"));
    }
}

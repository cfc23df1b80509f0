using Cnn.IO;
using ScottPlot;
using SkiaSharp;

namespace Cnn.Plots;

/// <summary>The look every picture shares, and writing PNG files atomically.</summary>
internal static class PlotOutput
{
    /// <summary>A sans-serif family that is installed, found once; null leaves SkiaSharp's default.</summary>
    private static readonly string? SansFamily = FindFamily("DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica");

    public static string? FontFamily => SansFamily;

    public static Plot NewPlot()
    {
        var plot = new Plot();
        if (SansFamily is not null) plot.Font.Set(SansFamily);
        return plot;
    }

    public static SKTypeface Typeface(bool bold = false) =>
        SKTypeface.FromFamilyName(SansFamily, bold ? SKFontStyle.Bold : SKFontStyle.Normal) ?? SKTypeface.Default;

    /// <summary>Renders <paramref name="plot"/> and writes it through a temporary file and a rename.</summary>
    public static void SavePng(Plot plot, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckSize(width, height);
        AtomicFile.WriteAllBytes(path, plot.GetImageBytes(width, height, ImageFormat.Png));
    }

    /// <summary>Draws with <paramref name="draw"/> on a white canvas and writes it as a PNG.</summary>
    public static void SavePng(string path, int width, int height, Action<SKCanvas> draw)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckSize(width, height);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, data.AsSpan());
    }

    /// <summary>Renders <paramref name="plot"/> at <paramref name="width"/>×<paramref name="height"/> and draws it on <paramref name="canvas"/> at (<paramref name="left"/>, 0).</summary>
    public static void DrawPlot(SKCanvas canvas, Plot plot, int left, int width, int height)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        plot.Render(surface.Canvas, width, height);
        using SKImage image = surface.Snapshot();
        canvas.DrawImage(image, left, 0);
    }

    private static void CheckSize(int width, int height)
    {
        if (width < 50 || height < 50 || (long)width * height > 100_000_000)
            throw new ArgumentOutOfRangeException(nameof(width), $"A picture of {width}×{height} pixels is too small to read or too large to draw.");
    }

    private static string? FindFamily(params string[] names)
    {
        foreach (string name in names)
        {
            using SKTypeface? typeface = SKFontManager.Default.MatchFamily(name);
            if (typeface is not null && string.Equals(typeface.FamilyName, name, StringComparison.OrdinalIgnoreCase)) return name;
        }
        return null;
    }
}

using System.Globalization;
using Cnn.Training;
using ScottPlot;
using SkiaSharp;

namespace Cnn.Plots;

/// <summary>
/// The feature maps of one convolution layer for one image, as a grid of small pictures: each map
/// is scaled to its own minimum and maximum (given under it) and coloured with viridis, dark = low,
/// yellow = high; NaN and infinite values are drawn red.
/// </summary>
public static class FeatureMapGrid
{
    private const int Margin = 16;
    private const int TitleHeight = 44;
    private const int CaptionHeight = 20;
    private const int LegendHeight = 46;

    /// <summary>Writes a layer's output captured by <see cref="FeatureMaps.Capture"/> as a grid of its channels.</summary>
    /// <param name="maps">The captured output; a flat one is drawn as a single strip.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The heading; by default the layer, its kind and the maps' size.</param>
    /// <param name="columns">Maps per row; 0 picks a near-square grid.</param>
    /// <param name="tileSize">The side of each map in pixels; 0 picks one from the map size.</param>
    public static void Save(FeatureMaps maps, string path, string? title = null, int columns = 0, int tileSize = 0)
    {
        ArgumentNullException.ThrowIfNull(maps);
        TensorShape shape = maps.Shape;
        (int channels, int height, int width) = shape.IsFlat ? (1, 1, shape.Size) : (shape.Channels, shape.Height, shape.Width);
        title ??= $"{maps.Layer} ({maps.Kind}): {channels} feature map{(channels == 1 ? "" : "s")} of {height}×{width}";
        Save(maps.Values, channels, height, width, path, title, columns, tileSize);
    }

    /// <summary>Writes the grid as a PNG.</summary>
    /// <param name="maps">C × H × W values, channel by channel, as the layer outputs them for one sample.</param>
    /// <param name="channels">C.</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="title">The heading, e.g. <c>"conv1: 32 feature maps of test image 0 (ankle boot)"</c>.</param>
    /// <param name="columns">Maps per row; 0 picks a near-square grid.</param>
    /// <param name="tileSize">The side of each map in pixels; 0 picks one from the map size (at least 64).</param>
    public static void Save(ReadOnlySpan<float> maps, int channels, int height, int width, string path, string? title = null, int columns = 0, int tileSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfNegative(tileSize);
        if ((long)channels * height * width != maps.Length)
            throw new ArgumentException($"{channels} maps of {height}×{width} need {(long)channels * height * width} values, not {maps.Length}.", nameof(maps));

        int cols = columns > 0 ? Math.Min(columns, channels) : (int)Math.Ceiling(Math.Sqrt(channels));
        int rows = (channels + cols - 1) / cols;
        int longest = Math.Max(height, width);
        int scale = tileSize > 0 ? Math.Max(1, tileSize / longest) : Math.Max(1, (int)Math.Ceiling(96.0 / longest));
        if (tileSize == 0) scale = Math.Min(scale, Math.Max(1, 128 / longest));
        int tileW = width * scale, tileH = height * scale;
        int cellW = Math.Max(tileW, 96) + Margin, cellH = tileH + CaptionHeight + Margin;
        string heading = title ?? $"{channels} feature maps of {height}×{width}";
        using var titleFont = new SKFont(PlotOutput.Typeface(bold: true), 18);
        using var captionFont = new SKFont(PlotOutput.Typeface(), 11);
        int titleW = (int)Math.Ceiling(titleFont.MeasureText(heading)) + 2 * Margin;
        int pictureW = Math.Max(Math.Max(Margin + cols * cellW, 420), titleW), pictureH = TitleHeight + rows * cellH + LegendHeight + Margin;
        int gridLeft = (pictureW - cols * cellW - Margin) / 2;

        float[] values = maps.ToArray();
        var colormap = new ScottPlot.Colormaps.Viridis();
        PlotOutput.SavePng(path, pictureW, pictureH, canvas =>
        {
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            using var frame = new SKPaint { Color = new SKColor(0x99, 0x99, 0x99), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
            canvas.DrawText(heading, pictureW / 2f, 28, SKTextAlign.Center, titleFont, ink);

            using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<float> map = values.AsSpan(c * height * width, height * width);
                (float min, float max) = FiniteRange(map);
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        float v = map[y * width + x];
                        SKColor color = !float.IsFinite(v) ? SKColors.Red : ToSk(colormap.GetColor(max > min ? (v - min) / (max - min) : 0.5));
                        bitmap.SetPixel(x, y, color);
                    }
                }
                int col = c % cols, row = c / cols;
                int left = gridLeft + Margin + col * cellW + (cellW - Margin - tileW) / 2, top = TitleHeight + row * cellH;
                var target = new SKRect(left, top, left + tileW, top + tileH);
                using (SKImage image = SKImage.FromBitmap(bitmap))
                    canvas.DrawImage(image, target, new SKSamplingOptions(SKFilterMode.Nearest));
                canvas.DrawRect(target, frame);
                string caption = string.Create(CultureInfo.InvariantCulture, $"ch {c}  [{min:G3}, {max:G3}]");
                canvas.DrawText(caption, left + tileW / 2f, top + tileH + 14, SKTextAlign.Center, captionFont, ink);
            }

            // The colour key: one scale for every map, relative to the map's own range.
            int barWidth = Math.Min(300, pictureW - 2 * Margin);
            float barLeft = (pictureW - barWidth) / 2f, barTop = pictureH - LegendHeight - 4;
            using var stripe = new SKPaint();
            for (int i = 0; i < barWidth; i++)
            {
                stripe.Color = ToSk(colormap.GetColor(i / (barWidth - 1.0)));
                canvas.DrawRect(barLeft + i, barTop, 1, 12, stripe);
            }
            canvas.DrawText("min", barLeft, barTop + 26, SKTextAlign.Left, captionFont, ink);
            canvas.DrawText("max", barLeft + barWidth, barTop + 26, SKTextAlign.Right, captionFont, ink);
            canvas.DrawText("each map scaled to its own [min, max]", pictureW / 2f, barTop + 26, SKTextAlign.Center, captionFont, ink);
            canvas.DrawText("red: NaN or infinite", pictureW / 2f, barTop + 42, SKTextAlign.Center, captionFont, ink);
        });
    }

    private static (float Min, float Max) FiniteRange(ReadOnlySpan<float> map)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in map)
        {
            if (!float.IsFinite(v)) continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return min <= max ? (min, max) : (float.NaN, float.NaN);
    }

    private static SKColor ToSk(Color color) => new(color.R, color.G, color.B, color.A);
}

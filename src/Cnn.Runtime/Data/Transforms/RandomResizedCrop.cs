namespace Cnn.Data.Transforms;

/// <summary>
/// Crops a random window of random area and aspect ratio and resizes it to
/// <see cref="Height"/>×<see cref="Width"/> (antialiased bilinear, as <see cref="Resize"/>), as
/// torchvision's <c>RandomResizedCrop</c>, the standard ImageNet training augmentation.
/// </summary>
/// <remarks>
/// The window is chosen by torchvision's procedure: up to ten times, draw an area fraction uniform in
/// [<see cref="MinScale"/>, <see cref="MaxScale"/>] and a log-aspect-ratio uniform in
/// [ln <see cref="MinRatio"/>, ln <see cref="MaxRatio"/>], round the side lengths (halves to even), and
/// take the first window that fits, at a uniform position; if none fits, take the largest centred
/// window whose aspect ratio is within range. The number of draws therefore depends on the image.
/// </remarks>
public sealed class RandomResizedCrop : IImageTransform
{
    /// <summary>Crops and resizes to <paramref name="height"/>×<paramref name="width"/>.</summary>
    public RandomResizedCrop(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Height = height;
        Width = width;
    }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>The smallest fraction of the image's area to crop (0.08 by default).</summary>
    public float MinScale { get; init; } = 0.08f;

    /// <summary>The largest fraction of the image's area to crop (1 by default).</summary>
    public float MaxScale { get; init; } = 1f;

    /// <summary>The smallest width/height ratio of the window (3/4 by default).</summary>
    public float MinRatio { get; init; } = 3f / 4f;

    /// <summary>The largest width/height ratio of the window (4/3 by default).</summary>
    public float MaxRatio { get; init; } = 4f / 3f;

    /// <summary>Whether the resize antialiases when shrinking.</summary>
    public bool Antialias { get; init; } = true;

    /// <summary>Draws the window for an image of <paramref name="height"/>×<paramref name="width"/>; it always lies inside the image.</summary>
    public (int Top, int Left, int Height, int Width) SampleWindow(int height, int width, ref SeededRandom random)
    {
        ScaleAndRatio.Validate(MinScale, MaxScale, MinRatio, MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            // The ratio is width over height.
            (int w, int h) = ScaleAndRatio.DrawSides((double)height * width, MinScale, MaxScale, MinRatio, MaxRatio, ref random);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = random.NextInt(height - h + 1);
                int left = random.NextInt(width - w + 1);
                return (top, left, h, w);
            }
        }

        // Fallback: the whole image, narrowed to the nearest allowed aspect ratio.
        double ratio = (double)width / height;
        int fw = width, fh = height;
        if (ratio < MinRatio)
            fh = Math.Min(height, (int)Math.Round(fw / (double)MinRatio, MidpointRounding.ToEven));
        else if (ratio > MaxRatio)
            fw = Math.Min(width, (int)Math.Round(fh * (double)MaxRatio, MidpointRounding.ToEven));
        return ((height - fh) / 2, (width - fw) / 2, fh, fw);
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        (int top, int left, int h, int w) = SampleWindow(image.Height, image.Width, ref random);
        return Resampler.Resize(Resampler.Crop(image, top, left, h, w), Height, Width, Antialias);
    }
}

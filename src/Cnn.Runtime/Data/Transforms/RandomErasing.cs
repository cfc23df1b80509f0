namespace Cnn.Data.Transforms;

/// <summary>
/// With probability <see cref="Probability"/>, sets a random rectangle of the image to
/// <see cref="Value"/> in every channel, as torchvision's <c>RandomErasing</c> (Zhong et al., 2017,
/// "Random Erasing Data Augmentation"). Placed after <see cref="Normalize"/>, the default value 0 is
/// the data set's mean.
/// </summary>
/// <remarks>
/// It draws one value for the coin; on heads, torchvision's procedure: up to ten times, draw an area
/// fraction uniform in [<see cref="MinScale"/>, <see cref="MaxScale"/>] and a log-aspect-ratio
/// (height/width) uniform in [ln <see cref="MinRatio"/>, ln <see cref="MaxRatio"/>], round the side
/// lengths (halves to even), and erase the first rectangle strictly smaller than the image, at a
/// uniform position. If none fits, the image stays as it is.
/// </remarks>
public sealed class RandomErasing : IImageTransform
{
    /// <summary>Erases with probability <paramref name="probability"/> (0.5 by default, as torchvision).</summary>
    public RandomErasing(float probability = 0.5f)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The probability must be in [0, 1].");
        Probability = probability;
    }

    /// <summary>The probability of erasing a rectangle.</summary>
    public float Probability { get; }

    /// <summary>The smallest fraction of the image's area to erase (0.02 by default).</summary>
    public float MinScale { get; init; } = 0.02f;

    /// <summary>The largest fraction of the image's area to erase (0.33 by default).</summary>
    public float MaxScale { get; init; } = 0.33f;

    /// <summary>The smallest height/width ratio of the rectangle (0.3 by default).</summary>
    public float MinRatio { get; init; } = 0.3f;

    /// <summary>The largest height/width ratio of the rectangle (3.3 by default).</summary>
    public float MaxRatio { get; init; } = 3.3f;

    /// <summary>The value written into the rectangle (0 by default).</summary>
    public float Value { get; init; }

    /// <summary>
    /// Draws the rectangle for an image of <paramref name="height"/>×<paramref name="width"/> (after the
    /// coin), or null when ten draws found none that fits.
    /// </summary>
    /// <exception cref="ArgumentException">A range is not positive or not ordered, or the scale exceeds 1.</exception>
    public (int Top, int Left, int Height, int Width)? SampleRectangle(int height, int width, ref SeededRandom random)
    {
        ScaleAndRatio.Validate(MinScale, MaxScale, MinRatio, MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            // The ratio is height over width.
            (int h, int w) = ScaleAndRatio.DrawSides((double)height * width, MinScale, MaxScale, MinRatio, MaxRatio, ref random);
            if (h < height && w < width)
                return (random.NextInt(height - h + 1), random.NextInt(width - w + 1), h, w);
        }
        return null;
    }

    /// <summary>Erases a random rectangle of <paramref name="image"/> in place, with probability <see cref="Probability"/>, and returns it.</summary>
    /// <exception cref="ArgumentException">A range is not positive or not ordered, or the scale exceeds 1.</exception>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(random.NextSingle() < Probability))
            return image;
        if (SampleRectangle(image.Height, image.Width, ref random) is not { } rectangle)
            return image;
        (int top, int left, int h, int w) = rectangle;
        for (int c = 0; c < image.Channels; c++)
            for (int y = top; y < top + h; y++)
                image.Data.AsSpan((c * image.Height + y) * image.Width + left, w).Fill(Value);
        return image;
    }
}

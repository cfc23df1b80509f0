namespace Cnn.Data.Transforms;

/// <summary>
/// Resizes to a fixed size, or scales so that the shorter side has a given length, with bilinear
/// interpolation that is antialiased when shrinking, as torchvision's
/// <c>Resize(size, interpolation=BILINEAR, antialias=True)</c> on tensors and PIL's
/// <c>resize(BILINEAR)</c> on float images: when shrinking by a factor <c>s</c> the triangle filter is
/// stretched to a support of <c>s</c> input pixels per side, so each output is a weighted average of
/// every input pixel it covers instead of sampling two of them (which aliases). Without antialiasing it
/// is plain bilinear interpolation with <c>align_corners=False</c>.
/// </summary>
public sealed class Resize : IImageTransform
{
    /// <summary>Resizes to exactly <paramref name="height"/>×<paramref name="width"/>.</summary>
    public Resize(int height, int width, bool antialias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Height = height;
        Width = width;
        Antialias = antialias;
    }

    private Resize(int shorterSide, bool antialias)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shorterSide);
        ShorterSide = shorterSide;
        Antialias = antialias;
    }

    /// <summary>
    /// Scales so that the shorter side becomes <paramref name="size"/> and the longer side
    /// <c>⌊size · long / short⌋</c>, keeping the aspect ratio, as torchvision's <c>Resize(int)</c>.
    /// </summary>
    public static Resize ToShorterSide(int size, bool antialias = true) => new(size, antialias);

    /// <summary>The output height, or null when resizing to a shorter side.</summary>
    public int? Height { get; }

    /// <summary>The output width, or null when resizing to a shorter side.</summary>
    public int? Width { get; }

    /// <summary>The length of the shorter output side, or null for a fixed size.</summary>
    public int? ShorterSide { get; }

    /// <summary>Whether shrinking averages over the covered input pixels.</summary>
    public bool Antialias { get; }

    /// <summary>The output size for an input of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public (int Height, int Width) OutputSize(int height, int width)
    {
        if (ShorterSide is not int size)
            return (Height!.Value, Width!.Value);
        return width <= height
            ? ((int)((long)size * height / width), size)
            : (size, (int)((long)size * width / height));
    }

    /// <summary>Resizes <paramref name="image"/>; returns it unchanged when it already has the output size.</summary>
    public ImageTensor Apply(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        (int height, int width) = OutputSize(image.Height, image.Width);
        return Resampler.Resize(image, height, width, Antialias);
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random) => Apply(image);
}

namespace Cnn.Data.Transforms;

/// <summary>
/// Crops the central <see cref="Height"/>×<see cref="Width"/> window, as torchvision's
/// <c>CenterCrop</c>: the top offset is <c>round((H − h) / 2)</c> with halves to even (Python's
/// <c>round</c>), likewise the left; an image smaller than the window is padded with zeros around it.
/// </summary>
public sealed class CenterCrop : IImageTransform
{
    /// <summary>Crops to <paramref name="height"/>×<paramref name="width"/>.</summary>
    public CenterCrop(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Height = height;
        Width = width;
    }

    /// <summary>Crops to a <paramref name="size"/>×<paramref name="size"/> square.</summary>
    public CenterCrop(int size) : this(size, size)
    {
    }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>Crops <paramref name="image"/>.</summary>
    public ImageTensor Apply(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Resampler.Crop(image, Offset(image.Height, Height), Offset(image.Width, Width), Height, Width);
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random) => Apply(image);

    /// <summary>Where the window starts along an axis; negative when the image is padded.</summary>
    private static int Offset(int size, int crop) =>
        crop > size
            ? -((crop - size) / 2) // torchvision pads ⌊(crop − size) / 2⌋ before
            : (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);
}

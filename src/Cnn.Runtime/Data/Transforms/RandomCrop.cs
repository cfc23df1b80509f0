namespace Cnn.Data.Transforms;

/// <summary>
/// Pads the image by <see cref="Padding"/> pixels on every side and crops a
/// <see cref="Height"/>×<see cref="Width"/> window at a uniformly random position, as torchvision's
/// <c>RandomCrop(size, padding, fill, padding_mode)</c>: the top offset is drawn first, uniform in
/// [0, padded height − <see cref="Height"/>], then the left offset likewise.
/// </summary>
/// <remarks>The usual small-image augmentation: <c>new RandomCrop(28) { Padding = 2 }</c> shifts a 28×28 image by up to two pixels.</remarks>
public sealed class RandomCrop : IImageTransform
{
    /// <summary>Crops <paramref name="height"/>×<paramref name="width"/> windows (after <see cref="Padding"/>, none by default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public RandomCrop(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Height = height;
        Width = width;
    }

    /// <summary>Crops <paramref name="size"/>×<paramref name="size"/> squares (after <see cref="Padding"/>, none by default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive.</exception>
    public RandomCrop(int size) : this(size, size)
    {
    }

    /// <summary>The output height.</summary>
    public int Height { get; }

    /// <summary>The output width.</summary>
    public int Width { get; }

    /// <summary>The pixels added on each side before cropping (torchvision's <c>padding</c>; 0 by default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Padding
    {
        get;
        init
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(Padding), value, "The padding must not be negative.");
            field = value;
        }
    }

    /// <summary>The value of <see cref="PadMode.Constant"/> padding (0 by default, as torchvision's <c>fill</c>).</summary>
    public float Fill { get; init; }

    /// <summary>How the padding is filled (<see cref="PadMode.Constant"/> by default, as torchvision).</summary>
    public PadMode PaddingMode { get; init; } = PadMode.Constant;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">
    /// The padded image is smaller than the window, or <see cref="PadMode.Reflect"/> padding is not smaller than
    /// the image's height and width (torchvision rejects it wherever the crop falls; so does this, before drawing).
    /// </exception>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (PaddingMode == PadMode.Reflect && (Padding >= image.Height || Padding >= image.Width))
            throw new ArgumentException($"Reflect padding ({Padding}) must be smaller than the image ({image.Height}×{image.Width}), as in torchvision.", nameof(image));
        int paddedHeight = image.Height + 2 * Padding, paddedWidth = image.Width + 2 * Padding;
        if (paddedHeight < Height || paddedWidth < Width)
            throw new ArgumentException($"A {image.Height}×{image.Width} image padded by {Padding} is {paddedHeight}×{paddedWidth}, smaller than the {Height}×{Width} crop.", nameof(image));
        int top = random.NextInt(paddedHeight - Height + 1);
        int left = random.NextInt(paddedWidth - Width + 1);
        return Crop(image, top - Padding, left - Padding);
    }

    /// <summary>
    /// The window whose top-left corner is at (<paramref name="top"/>, <paramref name="left"/>) of the
    /// unpadded image (negative inside the padding), with the padding filled as <see cref="PaddingMode"/> says.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="PadMode.Reflect"/> would need to reach at least the image's size beyond its edge.</exception>
    public ImageTensor Crop(ImageTensor image, int top, int left)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (PaddingMode == PadMode.Constant)
            return Resampler.Crop(image, top, left, Height, Width, Fill);
        if (PaddingMode == PadMode.Reflect
            && (-top >= image.Height || -left >= image.Width || top + Height - image.Height >= image.Height || left + Width - image.Width >= image.Width))
            throw new ArgumentException($"Reflect padding must be smaller than the image ({image.Height}×{image.Width}), as in torchvision.", nameof(image));

        var rows = new int[Height];
        var columns = new int[Width];
        for (int y = 0; y < Height; y++) rows[y] = SourceIndex(top + y, image.Height);
        for (int x = 0; x < Width; x++) columns[x] = SourceIndex(left + x, image.Width);
        var result = new ImageTensor(image.Channels, Height, Width);
        for (int c = 0; c < image.Channels; c++)
        {
            for (int y = 0; y < Height; y++)
            {
                ReadOnlySpan<float> source = image.Data.AsSpan((c * image.Height + rows[y]) * image.Width, image.Width);
                Span<float> target = result.Data.AsSpan((c * Height + y) * Width, Width);
                for (int x = 0; x < Width; x++) target[x] = source[columns[x]];
            }
        }
        return result;
    }

    /// <summary>The pixel that padding position <paramref name="index"/> copies, along an axis of <paramref name="size"/> pixels.</summary>
    private int SourceIndex(int index, int size)
    {
        if (index >= 0 && index < size) return index;
        return PaddingMode switch
        {
            PadMode.Edge => Math.Clamp(index, 0, size - 1),
            PadMode.Reflect => index < 0 ? -index : 2 * (size - 1) - index,
            _ => Symmetric(index, size),
        };
    }

    /// <summary>Mirrors about the edge with the edge pixel repeated, periodically for padding wider than the image.</summary>
    private static int Symmetric(int index, int size)
    {
        int period = 2 * size;
        int i = ((index % period) + period) % period;
        return i < size ? i : period - 1 - i;
    }
}

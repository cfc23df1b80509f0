namespace Cnn.Data.Transforms;

/// <summary>
/// Mirrors the image left to right with probability <see cref="Probability"/>, as torchvision's
/// <c>RandomHorizontalFlip</c>. It draws one value per image whatever the probability, so later
/// transforms see the same stream.
/// </summary>
public sealed class RandomHorizontalFlip : IImageTransform
{
    /// <summary>Flips with probability <paramref name="probability"/>.</summary>
    public RandomHorizontalFlip(float probability = 0.5f)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The probability must be in [0, 1].");
        Probability = probability;
    }

    /// <summary>The probability of a flip.</summary>
    public float Probability { get; }

    /// <summary>Mirrors every row of <paramref name="image"/> in place and returns it.</summary>
    public static ImageTensor Flip(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int rows = image.Channels * image.Height;
        for (int r = 0; r < rows; r++)
            image.Data.AsSpan(r * image.Width, image.Width).Reverse();
        return image;
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random) =>
        random.NextSingle() < Probability ? Flip(image) : image;
}

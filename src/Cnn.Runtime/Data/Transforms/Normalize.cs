namespace Cnn.Data.Transforms;

/// <summary>
/// Per-channel <c>(x − mean) / std</c> in place, as torchvision's <c>Normalize</c>; the last step of a
/// pipeline, after the image has been scaled to [0, 1].
/// </summary>
public sealed class Normalize : IImageTransform
{
    /// <summary>Normalises with <paramref name="normalization"/>'s per-channel statistics.</summary>
    public Normalize(Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        Normalization = normalization;
    }

    /// <summary>The statistics.</summary>
    public Normalization Normalization { get; }

    /// <summary>Normalises <paramref name="image"/> in place and returns it.</summary>
    /// <exception cref="ArgumentException">The image's channel count differs from the normalization's.</exception>
    public ImageTensor Apply(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        // Normalization.Apply reads each value before writing it, so it may work in place.
        Normalization.Apply(image.Data, image.Data, image.Shape);
        return image;
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random) => Apply(image);
}

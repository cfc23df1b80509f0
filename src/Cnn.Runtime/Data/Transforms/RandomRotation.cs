namespace Cnn.Data.Transforms;

/// <summary>
/// Rotates about the centre by an angle uniform in [−<see cref="Degrees"/>, <see cref="Degrees"/>]
/// (positive is counter-clockwise), with nearest sampling, as torchvision's <c>RandomRotation</c>;
/// the corners that come from outside the image are filled by <see cref="FillMode"/>. It draws one
/// value per image.
/// </summary>
public sealed class RandomRotation : IImageTransform
{
    /// <summary>Rotates by up to <paramref name="degrees"/> either way.</summary>
    public RandomRotation(float degrees, FillMode fillMode = FillMode.Nearest, float fillValue = 0)
    {
        if (!(degrees >= 0 && degrees <= 180))
            throw new ArgumentOutOfRangeException(nameof(degrees), degrees, "Degrees must be in [0, 180].");
        Degrees = degrees;
        FillMode = fillMode;
        FillValue = fillValue;
    }

    /// <summary>The largest rotation either way, in degrees.</summary>
    public float Degrees { get; }

    /// <summary>What fills the corners.</summary>
    public FillMode FillMode { get; }

    /// <summary>The value of <see cref="FillMode.Constant"/>.</summary>
    public float FillValue { get; }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        double angle = RandomAffine.Uniform(ref random, -Degrees, Degrees);
        return new AffineTransform(Angle: angle).Apply(image, FillMode, FillValue);
    }
}

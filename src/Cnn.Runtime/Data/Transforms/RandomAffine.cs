namespace Cnn.Data.Transforms;

/// <summary>
/// Random rotation, shift, zoom and shear in one <see cref="AffineTransform"/> with nearest
/// sampling, as torchvision's <c>RandomAffine</c> or Keras's <c>ImageDataGenerator(rotation_range,
/// width_shift_range, height_shift_range, zoom_range, shear_range)</c>.
/// </summary>
/// <remarks>
/// Per image it draws, in this order and always all four so the stream is fixed: the angle uniform in
/// [−<see cref="Degrees"/>, <see cref="Degrees"/>]; the shifts uniform in ±<see cref="TranslateX"/>·W
/// and ±<see cref="TranslateY"/>·H, rounded to whole pixels (halves to even, as torchvision); the
/// scale uniform in [<see cref="MinScale"/>, <see cref="MaxScale"/>]; the shear uniform in
/// [−<see cref="ShearDegrees"/>, <see cref="ShearDegrees"/>].
/// </remarks>
public sealed class RandomAffine : IImageTransform
{
    /// <summary>The largest rotation either way, in degrees.</summary>
    public float Degrees { get; init; }

    /// <summary>The largest horizontal shift as a fraction of the width.</summary>
    public float TranslateX { get; init; }

    /// <summary>The largest vertical shift as a fraction of the height.</summary>
    public float TranslateY { get; init; }

    /// <summary>The smallest zoom factor (1 by default).</summary>
    public float MinScale { get; init; } = 1;

    /// <summary>The largest zoom factor (1 by default).</summary>
    public float MaxScale { get; init; } = 1;

    /// <summary>The largest x-shear either way, in degrees.</summary>
    public float ShearDegrees { get; init; }

    /// <summary>What fills the area that comes from outside the image.</summary>
    public FillMode FillMode { get; init; } = FillMode.Nearest;

    /// <summary>The value of <see cref="FillMode.Constant"/>.</summary>
    public float FillValue { get; init; }

    /// <summary>Draws the parameters for an image of <paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <exception cref="ArgumentException">A range is negative, inverted or out of bounds.</exception>
    public AffineTransform Sample(int height, int width, ref SeededRandom random)
    {
        Validate();
        double angle = Uniform(ref random, -Degrees, Degrees);
        double maxDx = (double)TranslateX * width, maxDy = (double)TranslateY * height;
        double tx = Math.Round(Uniform(ref random, -maxDx, maxDx), MidpointRounding.ToEven);
        double ty = Math.Round(Uniform(ref random, -maxDy, maxDy), MidpointRounding.ToEven);
        double scale = Uniform(ref random, MinScale, MaxScale);
        double shear = Uniform(ref random, -ShearDegrees, ShearDegrees);
        return new AffineTransform(angle, tx, ty, scale, shear);
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Sample(image.Height, image.Width, ref random).Apply(image, FillMode, FillValue);
    }

    internal static double Uniform(ref SeededRandom random, double min, double max) => min + (max - min) * random.NextDouble();

    private void Validate()
    {
        if (!(Degrees >= 0 && Degrees <= 180))
            throw new ArgumentException($"Degrees must be in [0, 180]; got {Degrees}.");
        if (!(TranslateX >= 0 && TranslateX <= 1) || !(TranslateY >= 0 && TranslateY <= 1))
            throw new ArgumentException($"The translate fractions must be in [0, 1]; got ({TranslateX}, {TranslateY}).");
        if (!(MinScale > 0 && MinScale <= MaxScale) || float.IsInfinity(MaxScale))
            throw new ArgumentException($"The scale range must be positive and ordered; got [{MinScale}, {MaxScale}].");
        if (!(ShearDegrees >= 0 && ShearDegrees < 90))
            throw new ArgumentException($"ShearDegrees must be in [0, 90); got {ShearDegrees}.");
    }
}

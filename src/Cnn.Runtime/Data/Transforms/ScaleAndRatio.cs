namespace Cnn.Data.Transforms;

/// <summary>
/// The rectangle draw that torchvision's <c>RandomResizedCrop</c> and <c>RandomErasing</c> share: an
/// area fraction uniform in [minScale, maxScale] and a log aspect ratio uniform in
/// [ln minRatio, ln maxRatio], turned into two side lengths rounded half to even. Each transform
/// decides which side the ratio divides and whether the rectangle fits.
/// </summary>
internal static class ScaleAndRatio
{
    /// <exception cref="ArgumentException">A range is not positive or not ordered, or the scale exceeds 1.</exception>
    public static void Validate(float minScale, float maxScale, float minRatio, float maxRatio)
    {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1))
            throw new ArgumentException($"The scale range must satisfy 0 < min <= max <= 1; got [{minScale}, {maxScale}].");
        if (!(minRatio > 0 && minRatio <= maxRatio) || float.IsInfinity(maxRatio))
            throw new ArgumentException($"The ratio range must be positive and ordered; got [{minRatio}, {maxRatio}].");
    }

    /// <summary>
    /// One draw for an image of <paramref name="area"/> pixels: (√(a·r), √(a/r)) for the drawn area a
    /// and ratio r, so the first side is the one the ratio stretches.
    /// </summary>
    public static (int Stretched, int Other) DrawSides(double area, float minScale, float maxScale, float minRatio, float maxRatio, ref SeededRandom random)
    {
        double targetArea = area * RandomAffine.Uniform(ref random, minScale, maxScale);
        double aspect = Math.Exp(RandomAffine.Uniform(ref random, Math.Log(minRatio), Math.Log(maxRatio)));
        return ((int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven),
                (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven));
    }
}

namespace Cnn.Data.Transforms;

/// <summary>
/// Adds independent Gaussian noise to every value, as Keras's <c>GaussianNoise</c> layer applied to
/// the input: <c>x + mean + std · z</c> with <c>z</c> standard normal, drawn in C×H×W order. Put it
/// before <see cref="Normalize"/> so that <see cref="Std"/> is in pixel units ([0, 1] scale).
/// </summary>
public sealed class GaussianNoise : IImageTransform
{
    /// <summary>Adds noise of standard deviation <paramref name="std"/> and mean <paramref name="mean"/>.</summary>
    /// <param name="std">The standard deviation, at least 0.</param>
    /// <param name="mean">The mean, 0 by default.</param>
    /// <param name="clampToUnit">Clamp the result to [0, 1] so that it stays a valid image.</param>
    public GaussianNoise(float std, float mean = 0, bool clampToUnit = false)
    {
        if (!(std >= 0) || float.IsInfinity(std))
            throw new ArgumentOutOfRangeException(nameof(std), std, "The standard deviation must be finite and at least 0.");
        if (!float.IsFinite(mean))
            throw new ArgumentOutOfRangeException(nameof(mean), mean, "The mean must be finite.");
        Std = std;
        Mean = mean;
        ClampToUnit = clampToUnit;
    }

    /// <summary>The standard deviation of the noise.</summary>
    public float Std { get; }

    /// <summary>The mean of the noise.</summary>
    public float Mean { get; }

    /// <summary>Whether results are clamped to [0, 1].</summary>
    public bool ClampToUnit { get; }

    /// <summary>Adds the noise to <paramref name="image"/> in place and returns it.</summary>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        float[] data = image.Data;
        for (int i = 0; i < data.Length; i++)
        {
            float value = data[i] + Mean + (float)(Std * random.NextGaussian());
            data[i] = ClampToUnit ? Math.Clamp(value, 0f, 1f) : value;
        }
        return image;
    }
}

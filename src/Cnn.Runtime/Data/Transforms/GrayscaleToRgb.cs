namespace Cnn.Data.Transforms;

/// <summary>
/// Repeats a one-channel image into three equal R, G, B planes, so that greyscale files can feed a
/// network built for colour (as PIL's <c>convert("RGB")</c>); a three-channel image passes unchanged.
/// </summary>
public sealed class GrayscaleToRgb : IImageTransform
{
    /// <summary>Converts <paramref name="image"/>.</summary>
    /// <exception cref="ArgumentException">The image has neither 1 nor 3 channels.</exception>
    public ImageTensor Apply(ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels == 3)
            return image;
        if (image.Channels != 1)
            throw new ArgumentException($"GrayscaleToRgb takes a 1-channel image; got {image.Shape}.", nameof(image));
        var rgb = new ImageTensor(3, image.Height, image.Width);
        for (int c = 0; c < 3; c++)
            image.Data.CopyTo(rgb.Plane(c));
        return rgb;
    }

    /// <inheritdoc/>
    public ImageTensor Apply(ImageTensor image, ref SeededRandom random) => Apply(image);
}

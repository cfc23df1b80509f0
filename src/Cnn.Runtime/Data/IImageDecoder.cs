namespace Cnn.Data;

/// <summary>
/// Decodes image files (PNG, JPEG, BMP, …) into <see cref="ImageTensor"/>s. Cnn.Runtime has no
/// codec of its own, so that it keeps no native dependency: <c>Cnn.Imaging</c> provides
/// <c>SkiaImageDecoder</c>, and a test or another codec (e.g. a GPU JPEG decoder) can plug in here.
/// </summary>
/// <remarks>Implementations must be safe to call from several threads at once: loaders decode on workers.</remarks>
public interface IImageDecoder
{
    /// <summary>Reads only as much of the file as it takes to tell its format and size.</summary>
    /// <exception cref="ImageDecodeException">The file cannot be read or is not an image this decoder knows.</exception>
    ImageHeader Identify(string path);

    /// <summary>
    /// Decodes the whole file into a C×H×W image with values in [0, 1] (byte / 255), with 3 channels
    /// (R, G, B) for <see cref="ImageColorMode.Rgb"/> and 1 for <see cref="ImageColorMode.Grayscale"/>.
    /// Alpha is dropped without compositing, as PIL's <c>convert("RGB")</c>.
    /// </summary>
    /// <exception cref="ImageDecodeException">The file cannot be read, is not an image, or is truncated or corrupt.</exception>
    ImageTensor Decode(string path, ImageColorMode mode);
}

/// <summary>The channels a decoder produces.</summary>
public enum ImageColorMode
{
    /// <summary>Three channels, R, G, B; a greyscale file gives three equal planes.</summary>
    Rgb,

    /// <summary>
    /// One channel; a colour file is converted with ITU-R 601-2 luma in fixed point as PIL's
    /// <c>convert("L")</c>: <c>(19595 R + 38470 G + 7471 B + 32768) &gt;&gt; 16</c>, which leaves a
    /// greyscale file's bytes unchanged.
    /// </summary>
    Grayscale,
}

/// <summary>What <see cref="IImageDecoder.Identify"/> reads from a file's header.</summary>
/// <param name="Format">The encoded format, e.g. "png", "jpeg", "bmp".</param>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
public readonly record struct ImageHeader(string Format, int Width, int Height);

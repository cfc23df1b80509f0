using Cnn.Data;
using SkiaSharp;

namespace Cnn.Imaging;

/// <summary>Writes images as 8-bit PNG files (greyscale for one channel, RGB for three) with Skia's encoder.</summary>
public static class PngWriter
{
    /// <summary>
    /// Writes <paramref name="image"/>, with values in [0, 1], quantised as <c>round(255 · v)</c> and
    /// clamped; a value that came from a byte <c>b</c> as <c>b / 255</c> is written as <c>b</c> again.
    /// </summary>
    /// <exception cref="ArgumentException">The image has neither 1 nor 3 channels.</exception>
    public static void Write(string path, ImageTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels is not (1 or 3))
            throw new ArgumentException($"A PNG holds 1 or 3 channels; the image is {image.Shape}.", nameof(image));
        int plane = image.PlaneSize, channels = image.Channels;
        var bytes = new byte[plane * channels];
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> values = image.Plane(c);
            for (int p = 0; p < plane; p++)
                bytes[p * channels + c] = (byte)Math.Clamp(MathF.Round(values[p] * 255f), 0f, 255f);
        }
        Write(path, bytes, image.Width, image.Height, channels);
    }

    /// <summary>Writes interleaved 8-bit pixels (H×W×C, C = 1 or 3) as a PNG.</summary>
    /// <exception cref="ArgumentException">The channel count is not 1 or 3, or there are too few bytes.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (channels is not (1 or 3))
            throw new ArgumentException($"A PNG holds 1 or 3 channels; got {channels}.", nameof(channels));
        int count = width * height;
        if (pixels.Length < count * channels)
            throw new ArgumentException($"A {width}×{height} image of {channels} channel(s) needs {count * channels} bytes; got {pixels.Length}.", nameof(pixels));

        // Skia has no 3-byte pixel format: RGB goes through opaque RGBA.
        byte[] source;
        SKColorType colorType;
        if (channels == 1)
        {
            source = pixels[..count].ToArray();
            colorType = SKColorType.Gray8;
        }
        else
        {
            source = new byte[4 * count];
            for (int p = 0; p < count; p++)
            {
                source[4 * p] = pixels[3 * p];
                source[4 * p + 1] = pixels[3 * p + 1];
                source[4 * p + 2] = pixels[3 * p + 2];
                source[4 * p + 3] = 255;
            }
            colorType = SKColorType.Rgba8888;
        }

        var info = new SKImageInfo(width, height, colorType, SKAlphaType.Opaque);
        SKData? data;
        unsafe
        {
            fixed (byte* p = source)
            {
                using var pixmap = new SKPixmap(info, (IntPtr)p, info.RowBytes);
                data = pixmap.Encode(SKEncodedImageFormat.Png, 100);
            }
        }
        if (data is null)
            throw new IOException($"Skia could not encode a {width}×{height} PNG for '{path}'.");
        using (data)
        using (var file = File.Create(path))
            data.SaveTo(file);
    }
}

namespace Cnn.Data;

/// <summary>
/// One image as channel-major float planes (C×H×W, the layout of one sample of an NCHW batch),
/// usually with values in [0, 1] after decoding and before normalisation. Transforms take one and
/// return one; a transform may modify and return its input, so an image handed to a transform
/// belongs to it.
/// </summary>
public sealed class ImageTensor
{
    /// <summary>Creates a zero image of the given size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive, or the image does not fit in one array.</exception>
    public ImageTensor(int channels, int height, int width)
        : this(new float[CheckedSize(channels, height, width)], channels, height, width)
    {
    }

    /// <summary>Wraps <paramref name="data"/>, which it does not copy, as a C×H×W image.</summary>
    /// <exception cref="ArgumentException">The data's length is not <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/>.</exception>
    public ImageTensor(float[] data, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        long size = CheckedSize(channels, height, width);
        if (data.Length != size)
            throw new ArgumentException($"A ({channels}, {height}, {width}) image has {size} values; got {data.Length}.", nameof(data));
        Data = data;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>The number of channels (1 for greyscale, 3 for RGB).</summary>
    public int Channels { get; }

    /// <summary>The number of rows.</summary>
    public int Height { get; }

    /// <summary>The number of columns.</summary>
    public int Width { get; }

    /// <summary>The values, channel-major then row-major: value (c, y, x) is at (c × H + y) × W + x.</summary>
    public float[] Data { get; }

    /// <summary>The shape (C, H, W).</summary>
    public TensorShape Shape => new(Channels, Height, Width);

    /// <summary>Values per channel: H × W.</summary>
    public int PlaneSize => Height * Width;

    /// <summary>The value at channel <paramref name="c"/>, row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public ref float this[int c, int y, int x] => ref Data[(c * Height + y) * Width + x];

    /// <summary>The H×W values of channel <paramref name="channel"/>.</summary>
    public Span<float> Plane(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)channel, (uint)Channels, nameof(channel));
        return Data.AsSpan(channel * PlaneSize, PlaneSize);
    }

    /// <summary>A deep copy.</summary>
    public ImageTensor Clone() => new((float[])Data.Clone(), Channels, Height, Width);

    /// <summary>
    /// Converts interleaved 8-bit pixels (row-major, channels innermost: H×W×C, as decoders and
    /// file formats store them) to a C×H×W image with each byte <c>b</c> scaled to <c>b × (1/255)</c>,
    /// as torchvision's <c>ToTensor</c>. The scale is the same expression <see cref="MnistFormat"/> uses,
    /// so an image exported to PNG and decoded again gives bit-identical values.
    /// </summary>
    /// <param name="pixels">At least <paramref name="height"/> × <paramref name="width"/> × <paramref name="channels"/> bytes.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="channels">Bytes per pixel.</param>
    public static ImageTensor FromBytes(ReadOnlySpan<byte> pixels, int height, int width, int channels)
    {
        var image = new ImageTensor(channels, height, width);
        int plane = image.PlaneSize;
        if (pixels.Length < plane * channels)
            throw new ArgumentException($"A {height}×{width} image of {channels} channel(s) needs {plane * channels} bytes; got {pixels.Length}.", nameof(pixels));
        float[] data = image.Data;
        for (int c = 0; c < channels; c++)
        {
            int o = c * plane;
            for (int p = 0, s = c; p < plane; p++, s += channels)
                data[o + p] = pixels[s] * (1f / 255f);
        }
        return image;
    }

    /// <inheritdoc/>
    public override string ToString() => $"ImageTensor({Channels}, {Height}, {Width})";

    private static int CheckedSize(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long size = (long)channels * height * width;
        if (size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"A ({channels}, {height}, {width}) image does not fit in one array.");
        return (int)size;
    }
}

using System.Globalization;
using System.Text;

namespace Cnn.Data.Tests;

/// <summary>
/// A decoder for tiny text "images", so that the image-folder logic is tested without a codec: a
/// file "IMG w h v" is a w×h image of value v; "IMG w h TRUNCATED" has a good header but fails to
/// decode; anything else is not an image.
/// </summary>
internal sealed class FakeImageDecoder : IImageDecoder
{
    private int _decodes;

    /// <summary>The number of <see cref="Decode"/> calls so far.</summary>
    public int Decodes => Volatile.Read(ref _decodes);

    public static byte[] Image(int width, int height, float value) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"IMG {width} {height} {value}"));

    public static byte[] Truncated(int width, int height) => Encoding.ASCII.GetBytes($"IMG {width} {height} TRUNCATED");

    public ImageHeader Identify(string path)
    {
        string[] parts = Read(path);
        return new ImageHeader("fake", int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    public ImageTensor Decode(string path, ImageColorMode mode)
    {
        Interlocked.Increment(ref _decodes);
        string[] parts = Read(path);
        if (parts[3] == "TRUNCATED")
            throw new ImageDecodeException(path, "the fake data is truncated");
        var image = new ImageTensor(mode == ImageColorMode.Rgb ? 3 : 1,
            int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        image.Data.AsSpan().Fill(float.Parse(parts[3], CultureInfo.InvariantCulture));
        return image;
    }

    private static string[] Read(string path)
    {
        string[] parts = File.ReadAllText(path).Split(' ');
        if (parts.Length != 4 || parts[0] != "IMG")
            throw new ImageDecodeException(path, "it is not a fake image");
        return parts;
    }
}

using SkiaSharp;

namespace Cnn.Plots.Tests;

/// <summary>Reads back a PNG a test wrote, and counts the pixels near a colour.</summary>
internal sealed class Png : IDisposable
{
    private Png(SKBitmap bitmap) => Bitmap = bitmap;

    public SKBitmap Bitmap { get; }
    public int Width => Bitmap.Width;
    public int Height => Bitmap.Height;

    public static Png Read(string path)
    {
        Assert.True(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        return FromBytes(bytes);
    }

    public static Png FromBytes(byte[] bytes) => new(SKBitmap.Decode(bytes) ?? throw new InvalidDataException("The PNG does not decode."));

    /// <summary>Pixels within <paramref name="tolerance"/> of <paramref name="hex"/> in every channel, inside the given rectangle (the whole picture by default).</summary>
    public int Count(string hex, int tolerance = 24, SKRectI? area = null)
    {
        SKColor target = SKColor.Parse(hex);
        SKRectI r = area ?? new SKRectI(0, 0, Width, Height);
        int count = 0;
        for (int y = Math.Max(0, r.Top); y < Math.Min(Height, r.Bottom); y++)
        {
            for (int x = Math.Max(0, r.Left); x < Math.Min(Width, r.Right); x++)
            {
                SKColor c = Bitmap.GetPixel(x, y);
                if (Math.Abs(c.Red - target.Red) <= tolerance && Math.Abs(c.Green - target.Green) <= tolerance && Math.Abs(c.Blue - target.Blue) <= tolerance) count++;
            }
        }
        return count;
    }

    /// <summary>Pixels darker than mid-grey: text, lines, dark cells.</summary>
    public int CountDark(SKRectI area)
    {
        int count = 0;
        for (int y = area.Top; y < area.Bottom; y++)
        {
            for (int x = area.Left; x < area.Right; x++)
            {
                SKColor c = Bitmap.GetPixel(x, y);
                if (c.Red + c.Green + c.Blue < 3 * 100) count++;
            }
        }
        return count;
    }

    public void Dispose() => Bitmap.Dispose();
}

/// <summary>A fresh temporary directory, deleted when disposed, so no test leaves a picture in the repository.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cnn-plots-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

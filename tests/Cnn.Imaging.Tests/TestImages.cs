using System.Buffers.Binary;
using SkiaSharp;

namespace Cnn.Imaging.Tests;

/// <summary>Writes test images and data files into a temporary folder, deleted on dispose.</summary>
internal sealed class TestImages : IDisposable
{
    public TestImages() => Root = Directory.CreateTempSubdirectory("cnn-imaging-tests-").FullName;

    public string Root { get; }

    public string PathOf(string relativePath)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    public string WriteBytes(string relativePath, byte[] bytes)
    {
        string path = PathOf(relativePath);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Seeded random interleaved bytes, H×W×C.</summary>
    public static byte[] RandomPixels(int width, int height, int channels, ulong seed)
    {
        var random = new SeededRandom(seed);
        var pixels = new byte[width * height * channels];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)random.NextInt(256);
        return pixels;
    }

    /// <summary>Encodes RGBA bytes (unpremultiplied) with Skia in <paramref name="format"/>.</summary>
    public string WriteSkia(string relativePath, byte[] rgba, int width, int height, SKEncodedImageFormat format, int quality = 100)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using SKData data = bitmap.Encode(format, quality);
        return WriteBytes(relativePath, data.ToArray());
    }

    /// <summary>A 24-bit uncompressed BMP (bottom-up rows, BGR, rows padded to 4 bytes) of RGB bytes.</summary>
    public static byte[] Bmp(byte[] rgb, int width, int height)
    {
        int stride = (3 * width + 3) & ~3;
        var bytes = new byte[54 + stride * height];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34), stride * height);
        for (int y = 0; y < height; y++)
        {
            int row = 54 + (height - 1 - y) * stride;
            for (int x = 0; x < width; x++)
            {
                int s = 3 * (y * width + x);
                bytes[row + 3 * x] = rgb[s + 2];
                bytes[row + 3 * x + 1] = rgb[s + 1];
                bytes[row + 3 * x + 2] = rgb[s];
            }
        }
        return bytes;
    }

    /// <summary>An IDX file of unsigned bytes: magic 0x000008NN, big-endian dimensions, data.</summary>
    public static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x0800u | (uint)dims.Length);
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

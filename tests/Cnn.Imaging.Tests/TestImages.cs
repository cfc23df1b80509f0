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

    /// <summary>
    /// A valid small PNG whose IHDR claims <paramref name="width"/>×<paramref name="height"/>, with the
    /// chunk's CRC fixed so that the codec gets past the header to the (far too short) image data.
    /// </summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var info = new SKImageInfo(4, 4, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        byte[] png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        // Signature (8), IHDR length (4), "IHDR" (4) at 12, width at 16, height at 20, CRC at 29.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    /// <summary>
    /// A baseline JPEG of <paramref name="width"/>×<paramref name="height"/> whose frame header then
    /// claims <paramref name="claimedHeight"/> rows: the entropy-coded data ends (at the EOI marker)
    /// before the claimed rows.
    /// </summary>
    public byte[] JpegClaimingHeight(int width, int height, int claimedHeight, ulong seed)
    {
        var rgba = new byte[width * height * 4];
        byte[] rgb = RandomPixels(width, height, 3, seed);
        for (int p = 0; p < width * height; p++)
            (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = (rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], 255);
        byte[] jpeg = File.ReadAllBytes(WriteSkia($"source-{seed}.jpg", rgba, width, height, SKEncodedImageFormat.Jpeg, quality: 90));
        int sof = FindMarker(jpeg, 0xC0);
        // FF C0, length (2), precision (1), then the height, big-endian.
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), checked((ushort)claimedHeight));
        return jpeg;
    }

    /// <summary>The offset of the first FF <paramref name="marker"/> in <paramref name="jpeg"/>.</summary>
    public static int FindMarker(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
                return i;
        }
        throw new InvalidOperationException($"No FF {marker:X2} marker.");
    }

    /// <summary>The CRC-32 of PNG chunks and gzip (reflected polynomial 0xEDB88320), bit by bit.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = ~0u;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
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

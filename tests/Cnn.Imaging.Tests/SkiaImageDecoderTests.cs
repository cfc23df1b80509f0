using Cnn.Data;
using SkiaSharp;
using Xunit;

namespace Cnn.Imaging.Tests;

public sealed class SkiaImageDecoderTests : IDisposable
{
    private readonly TestImages _files = new();
    private readonly SkiaImageDecoder _decoder = SkiaImageDecoder.Shared;

    public void Dispose() => _files.Dispose();

    private static void AssertPlanesEqualBytes(byte[] rgb, ImageTensor image)
    {
        int plane = image.PlaneSize;
        for (int c = 0; c < image.Channels; c++)
            for (int p = 0; p < plane; p++)
                Assert.Equal(rgb[p * image.Channels + c] * (1f / 255f), image.Data[c * plane + p]);
    }

    [Fact]
    public void Png_Rgb_DecodesToExactPlanes()
    {
        byte[] rgb = TestImages.RandomPixels(7, 5, 3, seed: 1);
        string path = _files.PathOf("a.png");
        PngWriter.Write(path, rgb, width: 7, height: 5, channels: 3);

        ImageTensor image = _decoder.Decode(path, ImageColorMode.Rgb);

        Assert.Equal(new TensorShape(3, 5, 7), image.Shape);
        AssertPlanesEqualBytes(rgb, image);
        Assert.Equal(new ImageHeader("png", 7, 5), _decoder.Identify(path));
    }

    [Fact]
    public void Png_Greyscale_GivesEqualRgbPlanesOrTheExactGreyChannel()
    {
        byte[] grey = TestImages.RandomPixels(6, 4, 1, seed: 2);
        string path = _files.PathOf("g.png");
        PngWriter.Write(path, grey, width: 6, height: 4, channels: 1);

        ImageTensor rgb = _decoder.Decode(path, ImageColorMode.Rgb);
        ImageTensor single = _decoder.Decode(path, ImageColorMode.Grayscale);

        AssertPlanesEqualBytes(grey, single);
        for (int c = 0; c < 3; c++)
            Assert.Equal(single.Data, rgb.Plane(c).ToArray());
    }

    [Fact]
    public void ColourToGreyscale_UsesPilsFixedPointLuma()
    {
        // (255, 0, 0) → (255·19595 + 32768) >> 16 = 76; (0, 255, 0) → 150; (0, 0, 255) → 29; (10, 20, 30) → 18.
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        string path = _files.PathOf("c.png");
        PngWriter.Write(path, rgb, width: 4, height: 1, channels: 3);

        Assert.Equal([76, 150, 29, 18], _decoder.DecodeBytes(path, ImageColorMode.Grayscale, out int width, out int height));
        Assert.Equal((4, 1), (width, height));
    }

    [Fact]
    public void Png_WithAlpha_DropsAlphaWithoutPremultiplying()
    {
        byte[] rgba = [200, 100, 50, 0, 10, 20, 30, 128];
        string path = _files.WriteSkia("alpha.png", rgba, width: 2, height: 1, SKEncodedImageFormat.Png);

        Assert.Equal([200, 100, 50, 10, 20, 30], _decoder.DecodeBytes(path, ImageColorMode.Rgb, out _, out _));
    }

    [Fact]
    public void Jpeg_DecodesCloseToTheEncodedPixels()
    {
        // A smooth gradient survives quality-100 JPEG within a few levels on average (chroma
        // subsampling blurs the colour edges more).
        var rgba = new byte[16 * 16 * 4];
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                int i = 4 * (y * 16 + x);
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = ((byte)(x * 16), (byte)(y * 16), 128, 255);
            }
        string path = _files.WriteSkia("photo.JPG", rgba, 16, 16, SKEncodedImageFormat.Jpeg, quality: 100);

        ImageTensor image = _decoder.Decode(path, ImageColorMode.Rgb);

        Assert.Equal(new ImageHeader("jpeg", 16, 16), _decoder.Identify(path));
        double error = 0, worst = 0;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                foreach ((int c, int value) in new[] { (0, x * 16), (1, y * 16), (2, 128) })
                {
                    double e = Math.Abs(image[c, y, x] - value / 255.0);
                    error += e;
                    worst = Math.Max(worst, e);
                }
            }
        Assert.InRange(error / (3 * 256), 0, 0.01);
        Assert.InRange(worst, 0, 0.08);
    }

    [Fact]
    public void Bmp_24Bit_DecodesToExactPlanes()
    {
        byte[] rgb = TestImages.RandomPixels(5, 3, 3, seed: 3); // 15-byte rows: padded to 16
        string path = _files.WriteBytes("b.bmp", TestImages.Bmp(rgb, 5, 3));

        ImageTensor image = _decoder.Decode(path, ImageColorMode.Rgb);

        Assert.Equal(new ImageHeader("bmp", 5, 3), _decoder.Identify(path));
        AssertPlanesEqualBytes(rgb, image);
    }

    [Fact]
    public void GarbageBytes_NameTheFileAndSayItIsNotAnImage()
    {
        string path = _files.WriteBytes("bad.png", "this is not a png at all"u8.ToArray());

        var decode = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(path, ImageColorMode.Rgb));
        var identify = Assert.Throws<ImageDecodeException>(() => _decoder.Identify(path));

        Assert.Equal(path, decode.FilePath);
        Assert.Contains(path, decode.Message);
        Assert.Contains("not in an image format", decode.Reason);
        Assert.Equal(path, identify.FilePath);
    }

    [Fact]
    public void TruncatedPng_HeaderReadsButDecodingFails()
    {
        string whole = _files.PathOf("whole.png");
        PngWriter.Write(whole, TestImages.RandomPixels(64, 64, 3, seed: 4), 64, 64, 3);
        byte[] bytes = File.ReadAllBytes(whole);
        string path = _files.WriteBytes("cut.png", bytes[..(bytes.Length / 2)]);

        Assert.Equal(new ImageHeader("png", 64, 64), _decoder.Identify(path));
        var error = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(path, ImageColorMode.Rgb));
        Assert.Contains("truncated", error.Reason);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void DecodeFromMemory_GivesTheFilesImageAndTheFilesErrorsUnderTheGivenName()
    {
        string png = _files.PathOf("a.png");
        PngWriter.Write(png, TestImages.RandomPixels(9, 6, 3, seed: 11), width: 9, height: 6, channels: 3);
        byte[] pngBytes = File.ReadAllBytes(png);
        byte[] tallJpeg = _files.JpegClaimingHeight(32, 32, claimedHeight: 96, seed: 7);

        ImageTensor fromFile = _decoder.Decode(png, ImageColorMode.Grayscale);
        ImageTensor fromMemory = _decoder.Decode(pngBytes, ImageColorMode.Grayscale, "upload.png");
        var garbage = Assert.Throws<ImageDecodeException>(() => _decoder.Decode("not an image"u8, ImageColorMode.Rgb, "upload"));
        var cutPng = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(pngBytes.AsSpan(0, pngBytes.Length / 2), ImageColorMode.Rgb, "cut.png"));
        var cutJpeg = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(tallJpeg, ImageColorMode.Rgb, "tall.jpg"));

        Assert.Equal(fromFile.Shape, fromMemory.Shape);
        Assert.Equal(fromFile.Data, fromMemory.Data);
        Assert.Equal("upload", garbage.FilePath);
        Assert.Contains("not in an image format", garbage.Reason);
        Assert.Contains("truncated", cutPng.Reason);
        Assert.Equal("tall.jpg", cutJpeg.FilePath);
        Assert.Contains("truncated", cutJpeg.Reason);
    }

    [Fact]
    public void MissingFile_IsADecodeErrorNamingIt()
    {
        string path = Path.Combine(_files.Root, "nope.png");

        var error = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(path, ImageColorMode.Rgb));

        Assert.Contains("does not exist", error.Reason);
    }

    [Fact]
    public void PngWriter_ImageTensor_RoundTripsByteScaledValues()
    {
        byte[] rgb = TestImages.RandomPixels(3, 2, 3, seed: 5);
        ImageTensor image = ImageTensor.FromBytes(rgb, 2, 3, 3);
        string path = _files.PathOf("t.png");

        PngWriter.Write(path, image);

        Assert.Equal(image.Data, _decoder.Decode(path, ImageColorMode.Rgb).Data);
    }

    [Fact]
    public void Decode_FromManyThreadsAtOnce_GivesTheSameImage()
    {
        byte[] rgb = TestImages.RandomPixels(32, 32, 3, seed: 6);
        string path = _files.PathOf("p.png");
        PngWriter.Write(path, rgb, 32, 32, 3);
        float[] expected = _decoder.Decode(path, ImageColorMode.Rgb).Data;

        Parallel.For(0, 64, _ => Assert.Equal(expected, _decoder.Decode(path, ImageColorMode.Rgb).Data));
    }

    [Fact]
    public void JpegClaimingMoreRowsThanItsData_IsTruncatedNotGreyPadded()
    {
        string path = _files.WriteBytes("tall.jpg", _files.JpegClaimingHeight(32, 32, claimedHeight: 96, seed: 7));

        Assert.Equal(new ImageHeader("jpeg", 32, 96), _decoder.Identify(path));
        var error = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(path, ImageColorMode.Rgb));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("truncated", error.Reason);
    }

    [Fact]
    public void JpegWithAGreyBottomRow_IsNotMistakenForTruncated()
    {
        // Libjpeg pads missing data with exactly (128, 128, 128); a real grey edge must still decode.
        // 16 wide, 32 tall: colour above, the bottom 16 rows (whole MCUs) flat grey.
        var rgba = new byte[16 * 32 * 4];
        for (int p = 0; p < 16 * 32; p++)
            (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) = p < 256 ? ((byte)p, (byte)(p / 2), (byte)(255 - p), (byte)255) : ((byte)128, (byte)128, (byte)128, (byte)255);
        string path = _files.WriteSkia("grey.jpg", rgba, 16, 32, SKEncodedImageFormat.Jpeg, quality: 100);

        ImageTensor image = _decoder.Decode(path, ImageColorMode.Rgb);

        for (int c = 0; c < 3; c++)
            Assert.Equal(128f / 255f, image[c, 31, 15]);
    }

    [Theory]
    [InlineData(11_000, 11_000)] // 121M pixels: above the default MaxPixels (PIL's 89,478,485)
    [InlineData(8_000, 8_000)]   // 64M pixels from a file of about 100 bytes: implausible for PNG
    public void PngHeaderClaimingAHugeImage_FailsBeforeAllocatingIt(int width, int height)
    {
        string path = _files.WriteBytes("huge.png", TestImages.PngClaiming(width, height));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var decode = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(path, ImageColorMode.Rgb));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var identify = Assert.Throws<ImageDecodeException>(() => _decoder.Identify(path));

        Assert.True(allocated < 1 << 20, $"Allocated {allocated} bytes before rejecting a {width}×{height} header.");
        Assert.Equal(path, decode.FilePath);
        Assert.Contains($"{width}×{height}", decode.Reason);
        Assert.Equal(decode.Reason, identify.Reason);
    }

    [Fact]
    public void MaxPixels_IsAnOption()
    {
        string path = _files.PathOf("p.png");
        PngWriter.Write(path, TestImages.RandomPixels(20, 10, 3, seed: 8), 20, 10, 3);
        var strict = new SkiaImageDecoder { MaxPixels = 199 };

        var error = Assert.Throws<ImageDecodeException>(() => strict.Decode(path, ImageColorMode.Rgb));

        Assert.Contains("MaxPixels", error.Reason);
        Assert.Equal(SkiaImageDecoder.DefaultMaxPixels, SkiaImageDecoder.Shared.MaxPixels);
        Assert.Equal(new TensorShape(3, 10, 20), new SkiaImageDecoder { MaxPixels = 200 }.Decode(path, ImageColorMode.Rgb).Shape);
    }

    [Fact]
    public void Directory_IsADecodeErrorSayingItIsADirectory()
    {
        string path = _files.PathOf("folder.png/x");
        path = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(path);

        var error = Assert.Throws<ImageDecodeException>(() => _decoder.Decode(path, ImageColorMode.Rgb));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("is a directory", error.Reason);
    }
}

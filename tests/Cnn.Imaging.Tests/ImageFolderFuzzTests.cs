using System.Buffers.Binary;
using Cnn.Data;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.Imaging.Tests;

/// <summary>
/// Mutations of valid PNG and JPEG files, decoded by <see cref="SkiaImageDecoder"/> and read through
/// an <see cref="ImageFolderDataset"/>: every outcome must be an image of the size its header
/// declares, or an <see cref="ImageDecodeException"/> naming the file; a header claiming more rows
/// than the data holds must never decode.
/// </summary>
public sealed class ImageFolderFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestImages _files = new();
    private readonly SkiaImageDecoder _decoder = SkiaImageDecoder.Shared;

    public void Dispose() => _files.Dispose();

    private sealed record Outcome(string Name, string Path, bool Decoded);

    /// <summary>Decodes one mutated file; returns whether it decoded.</summary>
    private bool Check(string name, string path)
    {
        try
        {
            ImageHeader header = _decoder.Identify(path);
            ImageTensor image = _decoder.Decode(path, ImageColorMode.Rgb);
            Assert.True(image.Shape == new TensorShape(3, header.Height, header.Width), $"{name}: decoded {image.Shape} from a {header.Width}×{header.Height} header");
            Assert.True(image.Data.All(v => v is >= 0 and <= 1), $"{name}: values outside [0, 1]");
            return true;
        }
        catch (ImageDecodeException e)
        {
            Assert.True(e.FilePath == path && e.Message.Contains(path), $"{name}: the error does not name the file: {e.Message}");
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: {e.GetType().Name} instead of an ImageDecodeException: {e.Message}");
            return false;
        }
    }

    private static byte[] Rgba(int width, int height, ulong seed)
    {
        // Smooth colour with some noise, so that JPEG spends its bits as it does on photographs.
        byte[] noise = TestImages.RandomPixels(width, height, 1, seed);
        var rgba = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                (rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2], rgba[4 * p + 3]) =
                    ((byte)(x * 255 / width), (byte)(y * 255 / height), (byte)(noise[p] / 2 + 64), 255);
            }
        return rgba;
    }

    private static IEnumerable<FileMutations.Mutation> PngSizeLies(byte[] png)
    {
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        foreach ((int w, int h) in new[] { (width, height + 1), (width, 2 * height), (width + 1, height), (2 * width, height), (width - 1, height), (width, height - 1),
                     (1, 1), (0, height), (width, 0), (65535, 65535), (1 << 20, 1), (1, 1 << 20), (int.MaxValue, int.MaxValue), (-1, height) })
        {
            byte[] bytes = (byte[])png.Clone();
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(16), w);
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(20), h);
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), TestImages.Crc32(bytes.AsSpan(12, 17)));
            yield return new($"IHDR claims {w}×{h} (CRC fixed)", bytes);
        }
    }

    private static IEnumerable<(FileMutations.Mutation Mutation, bool MoreRowsThanData)> JpegSizeLies(byte[] jpeg, int height)
    {
        int sof = TestImages.FindMarker(jpeg, 0xC0);
        int width = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(sof + 7));
        // The encoder pads the data to whole 16-row MCUs; a claim beyond them outruns the data.
        int paddedRows = (height + 15) / 16 * 16;
        foreach ((int w, int h) in new[] { (width, height + 1), (width, paddedRows + 1), (width, 2 * height), (width, 65535), (width + 1, height),
                     (2 * width, height), (width - 1, height), (width, height - 1), (1, 1), (0, height), (width, 0), (65535, 65535) })
        {
            byte[] bytes = (byte[])jpeg.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5), (ushort)h);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 7), (ushort)w);
            yield return (new($"SOF claims {w}×{h}", bytes), w == width && h > paddedRows);
        }
    }

    [Fact]
    public void PngAndJpegMutations_DecodeOrFailNamingTheFile_AndTheFolderAgrees()
    {
        const int width = 24, height = 20;
        string png = _files.WriteSkia("source/a.png", Rgba(width, height, 1), width, height, SKEncodedImageFormat.Png);
        string jpeg = _files.WriteSkia("source/b.jpg", Rgba(width, height, 2), width, height, SKEncodedImageFormat.Jpeg, quality: 90);
        byte[] pngBytes = File.ReadAllBytes(png), jpegBytes = File.ReadAllBytes(jpeg);
        var outcomes = new List<Outcome>();
        int mustFail = 0;

        void Run(string format, string extension, IEnumerable<FileMutations.Mutation> mutations, bool mustNotDecode = false)
        {
            foreach (var (name, bytes) in mutations)
            {
                // Spread over two classes, as a folder data set would hold them.
                string path = _files.WriteBytes($"tree/{(outcomes.Count % 2 == 0 ? "even" : "odd")}/{outcomes.Count:00000}{extension}", bytes);
                bool decoded = Check($"{format} {name}", path);
                Assert.False(mustNotDecode && decoded, $"{format} {name}: decoded although the header claims more rows than the data holds");
                outcomes.Add(new Outcome($"{format} {name}", path, decoded));
            }
        }

        Run("png", ".png", FileMutations.Truncations(pngBytes)
            .Concat(PngSizeLies(pngBytes))
            .Concat(FileMutations.BitFlips(pngBytes, 300, seed: 3))
            .Concat(FileMutations.RangeOverwrites(pngBytes, 100, seed: 4))
            .Concat(FileMutations.ThirdsReplaced(pngBytes, seed: 5))
            .Concat(FileMutations.Appended(pngBytes, seed: 6)));
        int pngCases = outcomes.Count;

        Run("jpeg", ".jpg", FileMutations.Truncations(jpegBytes, step: 2)
            .Concat(FileMutations.BitFlips(jpegBytes, 300, seed: 7))
            .Concat(FileMutations.RangeOverwrites(jpegBytes, 100, seed: 8))
            .Concat(FileMutations.ThirdsReplaced(jpegBytes, seed: 9))
            .Concat(FileMutations.Appended(jpegBytes, seed: 10)));
        foreach (var (mutation, moreRows) in JpegSizeLies(jpegBytes, height))
        {
            mustFail += moreRows ? 1 : 0;
            Run("jpeg", ".jpg", [mutation], mustNotDecode: moreRows);
        }
        // A file cut inside its scan and closed with an EOI marker: libjpeg pads it with grey.
        int scan = TestImages.FindMarker(jpegBytes, 0xDA);
        for (int cut = scan + 20; cut < jpegBytes.Length - 2; cut += 7)
        {
            mustFail++;
            Run("jpeg", ".jpg", [new($"cut at {cut} and closed with EOI", [.. jpegBytes[..cut], 0xFF, 0xD9])], mustNotDecode: true);
        }
        int jpegCases = outcomes.Count - pngCases;

        // The folder data set, skipping bad files after decoding each once, must keep exactly the files that decode.
        var dataset = new ImageFolderDataset(Path.Combine(_files.Root, "tree"), _decoder,
            new ImageFolderOptions { BadImages = BadImagePolicy.Skip, Verification = ImageVerification.Full });
        Assert.Equal(outcomes.Where(o => o.Decoded).Select(o => o.Path).Order(StringComparer.Ordinal), dataset.Paths.Order(StringComparer.Ordinal));
        Assert.Equal(outcomes.Where(o => !o.Decoded).Select(o => o.Path).Order(StringComparer.Ordinal), dataset.SkippedImages.Select(s => s.Path).Order(StringComparer.Ordinal));

        output.WriteLine($"png: {pngCases} cases, {outcomes.Take(pngCases).Count(o => o.Decoded)} decoded, the rest ImageDecodeExceptions naming the file");
        output.WriteLine($"jpeg: {jpegCases} cases ({mustFail} that must fail), {outcomes.Skip(pngCases).Count(o => o.Decoded)} decoded, the rest ImageDecodeExceptions naming the file");
        output.WriteLine($"image folder: {outcomes.Count} files, {dataset.Count} kept, {dataset.SkippedCount} skipped with a reason");
    }
}

using Cnn.Data;
using Cnn.Imaging;
using Cnn.IO;
using Cnn.Training;
using FashionMnist.Networks;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using SkiaSharp;

namespace Cnn.Serve.Tests;

/// <summary>
/// A freshly initialised FashionNet saved with class names and a normalisation, the service
/// started on it in memory (WebApplicationFactory), and a single-threaded reference instance
/// loaded from the same file to check the service's answers against.
/// </summary>
public sealed class ServedFashionNet : IDisposable
{
    /// <summary>Not Fashion-MNIST's statistics, so that a service that ignored the file's normalisation would be caught.</summary>
    public static readonly Normalization Normalization = new([0.4f], [0.25f]);

    public static readonly string[] ClassNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>The upload limit the service runs with, small enough to exceed cheaply.</summary>
    public const long MaxUploadBytes = 64 * 1024;

    private readonly string _folder = Directory.CreateTempSubdirectory("cnn-serve-tests-").FullName;
    private readonly FashionNet _reference;
    private readonly Lock _referenceLock = new();

    public ServedFashionNet()
    {
        ModelPath = Path.Combine(_folder, "fashion.safetensors");
        using (var trained = new FashionNet(1, seed: 17))
            ModelFile.Save(trained, ModelPath, new ModelMetadata(ClassNames, NormalizationMetadata.ToMetadata(Normalization)));
        _reference = new FashionNet(1);
        ModelFile.Load(_reference, ModelPath);
        Factory = new ServeFactory(ModelPath);
    }

    public string ModelPath { get; }

    public WebApplicationFactory<Program> Factory { get; }

    /// <summary>What single-threaded <see cref="Trainer.Predict"/> says about raw pixels in [0, 1].</summary>
    public Prediction Predict(float[] pixels)
    {
        lock (_referenceLock) return _reference.Predict(pixels, ClassNames, Normalization);
    }

    /// <summary>A PNG of seeded random greyscale pixels, and the pixels as the network reads them.</summary>
    public static (byte[] Png, float[] Pixels) RandomPng(ulong seed, int width = 28, int height = 28)
    {
        var random = new SeededRandom(seed);
        var bytes = new byte[width * height];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)random.NextInt(256);
        string path = Path.Combine(Path.GetTempPath(), $"cnn-serve-{Guid.NewGuid():N}.png");
        try
        {
            PngWriter.Write(path, bytes, width, height, channels: 1);
            return (File.ReadAllBytes(path), bytes.Select(b => b / 255f).ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A JPEG (quality 90) of a seeded random greyscale image, and its pixels as the decoder reads them.</summary>
    public static (byte[] Jpeg, float[] Pixels) RandomJpeg(ulong seed)
    {
        (_, float[] source) = RandomPng(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int i = 0; i < source.Length; i++) bitmap.SetPixel(i % 28, i / 28, new SKColor((byte)(source[i] * 255), (byte)(source[i] * 255), (byte)(source[i] * 255)));
        using SKData data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        byte[] jpeg = data.ToArray();
        return (jpeg, SkiaImageDecoder.Shared.Decode(jpeg, ImageColorMode.Grayscale, "test.jpg").Data);
    }

    public void Dispose()
    {
        Factory.Dispose();
        _reference.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// The service's Program with this model, three workers, batches of up to 8 and a 5 ms batching
    /// wait (so concurrent requests share forward passes), and a small upload limit.
    /// </summary>
    private sealed class ServeFactory(string modelPath) : WebApplicationFactory<Program>
    {
        protected override IHost CreateHost(IHostBuilder builder)
        {
            // Host configuration, so that Program sees it before it builds the application.
            builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Model"] = modelPath,
                ["Serve:Workers"] = "3",
                ["Serve:MaxBatchSize"] = "8",
                ["Serve:MaxBatchDelayMs"] = "5",
                ["Serve:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
            return base.CreateHost(builder);
        }
    }
}

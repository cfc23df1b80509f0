using BenchmarkDotNet.Attributes;
using Cnn.Backends.Cpu;
using Cnn.Data;
using Cnn.Data.Transforms;
using Cnn.Imaging;
using Cnn.Optimizers;
using Cnn.Training;
using FashionMnist.Networks;
using FashionMnistData = Cnn.Data.FashionMnist;

namespace Cnn.Benchmarks;

/// <summary>
/// Does the prefetching loader keep up with training, as samples/ImageFolder uses it? One epoch of
/// 2,048 Fashion-MNIST images (seeded noise when the data set is not installed) trains the MNIST
/// tutorial net at batch 64 with Adam on the fast backend's two threads:
/// <list type="bullet">
/// <item><see cref="FromMemory"/> (the baseline) reads the images already decoded, as the IDX path does;</item>
/// <item><see cref="FromPngFolder"/> decodes them from a PNG class-folder tree on <see cref="Workers"/>
/// background threads with the sample's evaluation preprocessing (resize to 28, normalise).</item>
/// </list>
/// A ratio near 1 means that decoding hides behind the training step. <see cref="LoaderAlone"/> is
/// what the loader delivers with nothing else running.
/// </summary>
public class LoaderBenchmarks
{
    private const int Images = 2048, Batch = 64;
    private string _root = "";
    private ImageDataset _memory = null!;
    private PrefetchingLoader _files = null!;
    private CpuBackend _backend = null!;
    private MnistNet _network = null!;
    private Adam _adam = null!;
    private float[] _images = [], _labels = [];

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _memory = File.Exists(Path.Combine(FashionMnistData.DefaultDirectory, "train-images-idx3-ubyte.gz"))
            ? FashionMnistData.Load(FashionMnistData.DefaultDirectory, train: true, limit: Images)
            : Noise();
        _root = Path.Combine(Path.GetTempPath(), $"cnn-loader-bench-{Environment.ProcessId}");
        ImageFolderWriter.Write(_memory, _root);
        var folder = new ImageFolderDataset(_root, SkiaImageDecoder.Shared, new ImageFolderOptions { ColorMode = ImageColorMode.Grayscale });
        var preprocessing = new Compose(new Resize(28, 28), new Normalize(Normalization.FashionMnist));
        _files = new PrefetchingLoader(folder, Batch, preprocessing, shuffle: true, seed: 1, workers: Workers, sampleShape: new TensorShape(1, 28, 28));
        _backend = new CpuBackend(CpuKernels.Fast, threads: 2);
        _network = new MnistNet(Batch, _backend, seed: 1);
        _adam = new Adam(_network);
        _images = new float[_files.ImagesLength];
        _labels = new float[Batch];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// PNG path with {Workers} worker(s): training waited {_files.Waited.Time.TotalSeconds:F3} s for {_files.Waited.Batches} batch(es) in all");
        _files.Dispose();
        _adam.Dispose();
        _network.Dispose();
        _backend.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public double FromMemory() => Train(new BatchLoader(_memory, Batch, Normalization.FashionMnist, shuffle: true, seed: 1));

    [Benchmark]
    public double FromPngFolder() => Train(_files);

    [Benchmark]
    public int LoaderAlone()
    {
        _files.StartEpoch(0);
        int samples = 0;
        while (_files.TryNext(_images, _labels, out int count)) samples += count;
        return samples;
    }

    private double Train(IBatchSource source) =>
        _network.Fit(source, null, new FitOptions { Optimizer = _adam, Epochs = 1, Seed = 1 })[0].Loss;

    private static ImageDataset Noise()
    {
        var random = new Random(1);
        float[] pixels = new float[Images * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        int[] labels = Enumerable.Range(0, Images).Select(i => i % 10).ToArray();
        return new ImageDataset(pixels, labels, new TensorShape(1, 28, 28), FashionMnistData.ClassNames);
    }
}

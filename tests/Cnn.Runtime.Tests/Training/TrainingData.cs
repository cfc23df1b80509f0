using Cnn.Data;

namespace Cnn.Runtime.Tests.Training;

/// <summary>Small data sets, sources and networks that train in milliseconds.</summary>
internal static class TrainingData
{
    /// <summary>Three classes of 4×4 images: a bright top row, a bright left column, or a bright centre, with noise.</summary>
    public static ImageDataset Patterns(int count, ulong seed)
    {
        var random = new SeededRandom(seed);
        float[] pixels = new float[count * 16];
        int[] labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            int label = random.NextInt(3);
            labels[n] = label;
            for (int i = 0; i < 16; i++)
            {
                int y = i / 4, x = i % 4;
                bool on = label switch { 0 => y == 0, 1 => x == 0, _ => y is 1 or 2 && x is 1 or 2 };
                pixels[n * 16 + i] = (on ? 0.8f : 0.1f) + 0.2f * (random.NextSingle() - 0.5f);
            }
        }
        return new ImageDataset(pixels, labels, new TensorShape(1, 4, 4), new[] { "row", "column", "centre" });
    }

    public static float[] Parameters(INetwork network)
    {
        float[] values = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, values);
        return values;
    }

    /// <summary>A fresh temporary directory, deleted when disposed.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cnn-training-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}

/// <summary>Wraps a source and puts a NaN into one batch, to make a run diverge at a known step.</summary>
internal sealed class PoisonedSource(IBatchSource inner, int epoch, int batch) : IBatchSource
{
    private int _epoch;
    private int _batch;

    public int BatchSize => inner.BatchSize;
    public TensorShape SampleShape => inner.SampleShape;
    public int ImagesLength => inner.ImagesLength;
    public int BatchesPerEpoch => inner.BatchesPerEpoch;

    public void StartEpoch(int epoch)
    {
        _epoch = epoch;
        _batch = 0;
        inner.StartEpoch(epoch);
    }

    public bool TryNext(Span<float> images, Span<float> labels, out int count)
    {
        if (!inner.TryNext(images, labels, out count)) return false;
        _batch++;
        if (_epoch == epoch && _batch == batch) images[SampleShape.Size + 3] = float.NaN; // the second sample
        return true;
    }
}

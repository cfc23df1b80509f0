using Cnn;
using Cnn.Data;

namespace CnnClassifier;

/// <summary>Generated 1×28×28 images whose class is a bright horizontal band: learnable in one epoch.</summary>
internal static class SyntheticData
{
    public static ImageDataset Create(int count, ulong seed)
    {
        var random = new Random((int)seed);
        var pixels = new float[count * 28 * 28];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            int label = n % 10;
            labels[n] = label;
            Span<float> image = pixels.AsSpan(n * 28 * 28, 28 * 28);
            for (int i = 0; i < image.Length; i++) image[i] = 0.2f * (float)random.NextDouble();
            for (int y = 2 + 2 * label; y < 4 + 2 * label; y++)
                for (int x = 0; x < 28; x++) image[y * 28 + x] = 1f;
        }
        return new ImageDataset(pixels, labels, new TensorShape(1, 28, 28), ImageDataset.NumberedClassNames(10));
    }
}

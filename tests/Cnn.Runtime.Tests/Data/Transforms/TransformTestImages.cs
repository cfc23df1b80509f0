namespace Cnn.Data.Transforms.Tests;

internal static class TransformTestImages
{
    /// <summary>A one-channel image whose values are 0, 1, 2, … in row-major order.</summary>
    public static ImageTensor Ramp(int height, int width, float scale = 1) => Ramp(1, height, width, scale);

    /// <summary>An image whose values are 0, 1, 2, … in C×H×W order, times <paramref name="scale"/>.</summary>
    public static ImageTensor Ramp(int channels, int height, int width, float scale = 1)
    {
        var image = new ImageTensor(channels, height, width);
        for (int i = 0; i < image.Data.Length; i++)
            image.Data[i] = i * scale;
        return image;
    }

    /// <summary>An image of uniform random values in [0, 1) from a fixed seed.</summary>
    public static ImageTensor Random(int channels, int height, int width, ulong seed)
    {
        var random = new SeededRandom(seed);
        var image = new ImageTensor(channels, height, width);
        for (int i = 0; i < image.Data.Length; i++)
            image.Data[i] = random.NextSingle();
        return image;
    }

    public static float[] Values(params float[] values) => values;
}

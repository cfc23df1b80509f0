namespace Cnn.Runtime.Tests.Backends;

/// <summary>Seeded random test data, and conversions between float and double.</summary>
internal static class TestArrays
{
    public static double[] Uniform(ulong seed, int length, double low = -1, double high = 1)
    {
        var random = new SeededRandom(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * random.NextDouble();
        return values;
    }

    public static float[] UniformSingle(ulong seed, int length, float low = -1, float high = 1) => ToSingle(Uniform(seed, length, low, high));

    public static float[] ToSingle(double[] values) => Array.ConvertAll(values, v => (float)v);

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>Class indices stored as floats.</summary>
    public static double[] Labels(ulong seed, int batch, int classes)
    {
        var random = new SeededRandom(seed);
        var labels = new double[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.NextInt(classes);
        return labels;
    }
}

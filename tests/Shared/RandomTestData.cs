namespace Cnn.Tests;

/// <summary>Seeded random inputs and labels, shared by the CPU and CUDA test projects.</summary>
internal static class RandomTestData
{
    public static float[] Uniform(long length, ulong seed, float low = -1, float high = 1)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (long i = 0; i < length; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    /// <summary>Class indices stored as floats, as the networks' label tensors hold them.</summary>
    public static float[] Labels(int batch, int classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        var labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.NextInt(classes);
        return labels;
    }
}

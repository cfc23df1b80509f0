namespace Cnn.Runtime.Tests.Networks;

internal static class NetworkTestData
{
    public static float[] Uniform(int length, ulong seed, float low = -1, float high = 1)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    public static float[] Labels(int batch, int classes, ulong seed)
    {
        var random = new SeededRandom(seed);
        var labels = new float[batch];
        for (int i = 0; i < batch; i++) labels[i] = random.NextInt(classes);
        return labels;
    }

    public static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }
}

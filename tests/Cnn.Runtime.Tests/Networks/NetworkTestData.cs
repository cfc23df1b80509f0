namespace Cnn.Runtime.Tests.Networks;

internal static class NetworkTestData
{
    public static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }
}

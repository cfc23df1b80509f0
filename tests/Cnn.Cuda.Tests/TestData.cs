using Xunit;

namespace Cnn.Cuda.Tests;

internal static class TestData
{
    public static float[] Download(Backends.IBackend backend, Tensor tensor)
    {
        var values = new float[tensor.Length];
        backend.Download(tensor, values);
        return values;
    }

    /// <summary>
    /// Asserts max|actual − expected| ≤ tolerance · max|expected|: relative to the tensor's scale, so
    /// that values near zero are held to the same absolute error as the large ones. Returns that
    /// relative error.
    /// </summary>
    public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++) scale = Math.Max(scale, Math.Abs(expected[i]));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)actual[i] - expected[i]);
            if (double.IsNaN(error) || error > worst)
            {
                worst = double.IsNaN(error) ? double.PositiveInfinity : error;
                worstAt = i;
            }
        }
        double allowed = tolerance * Math.Max(scale, 1e-12);
        Assert.True(worst <= allowed,
            $"{what}: element {worstAt} is {(worstAt < 0 ? 0 : actual[worstAt]):G9} on CUDA, {(worstAt < 0 ? 0 : expected[worstAt]):G9} on the CPU reference; " +
            $"error {worst:G3} exceeds {tolerance:G2} × max |value| {scale:G3}.");
        return worst / Math.Max(scale, 1e-12);
    }
}

using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>Central finite differences in double precision, the yardstick for every reference backward pass.</summary>
internal static class GradientCheck
{
    /// <summary>d(loss)/d(x[i]) for every i, by (loss(x + h) − loss(x − h)) / 2h, restoring x afterwards.</summary>
    public static double[] Numerical(Func<double> loss, double[] x, double h = 1e-6)
    {
        var gradient = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double saved = x[i];
            x[i] = saved + h;
            double plus = loss();
            x[i] = saved - h;
            double minus = loss();
            x[i] = saved;
            gradient[i] = (plus - minus) / (2 * h);
        }
        return gradient;
    }

    /// <summary>Σ output·weights: a scalar whose gradient with respect to the output is <paramref name="weights"/>.</summary>
    public static double Dot(ReadOnlySpan<double> output, ReadOnlySpan<double> weights)
    {
        double sum = 0;
        for (int i = 0; i < weights.Length; i++) sum += output[i] * weights[i];
        return sum;
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]);
            if (!(error <= tolerance * Math.Max(1, Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2}, tolerance {tolerance:E1}).");
        }
    }

    /// <summary>
    /// Relative error against the largest expected magnitude, so that near-zero entries of a sum
    /// with cancellation are judged by the scale of the whole result.
    /// </summary>
    public static void AssertRelative(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-30;
        foreach (float v in expected) scale = Math.Max(scale, Math.Abs(v));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (!(error <= tolerance * scale))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error / scale:E2} of the largest magnitude {scale:E2}, tolerance {tolerance:E1}).");
        }
    }
}

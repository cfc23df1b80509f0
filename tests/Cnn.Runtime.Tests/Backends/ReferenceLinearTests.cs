using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferenceLinearTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearForward_MatchesMatrixProductWithTransposedWeight(bool bias)
    {
        var g = new LinearGeometry(3, 5, 4, bias);
        double[] x = TestArrays.Uniform(1, 3 * 5), w = TestArrays.Uniform(2, 4 * 5), b = TestArrays.Uniform(3, 4);
        var actual = new double[3 * 4];
        LinearReference.Forward<double>(g, 3, x, w, bias ? b : default, actual);

        var expected = new double[3 * 4];
        for (int n = 0; n < 3; n++)
        for (int o = 0; o < 4; o++)
        {
            // (x Wᵀ)[n, o] = Σ_i x[n, i] · Wᵀ[i, o], with Wᵀ[i, o] = W[o, i].
            double sum = 0;
            for (int i = 0; i < 5; i++) sum += x[n * 5 + i] * w[o * 5 + i];
            expected[n * 4 + o] = sum + (bias ? b[o] : 0);
        }
        GradientCheck.AssertClose(expected, actual, 1e-14, "output");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearBackward_MatchesFiniteDifferences(bool bias)
    {
        var g = new LinearGeometry(4, 7, 5, bias);
        double[] x = TestArrays.Uniform(4, 4 * 7), w = TestArrays.Uniform(5, 5 * 7), b = TestArrays.Uniform(6, 5), r = TestArrays.Uniform(7, 4 * 5);
        var output = new double[r.Length];
        double Loss()
        {
            LinearReference.Forward<double>(g, 4, x, w, bias ? b : default, output);
            return GradientCheck.Dot(output, r);
        }

        double[] dx = Enumerable.Repeat(9.0, x.Length).ToArray(), dw = Enumerable.Repeat(9.0, w.Length).ToArray(), db = Enumerable.Repeat(9.0, b.Length).ToArray();
        LinearReference.Backward<double>(g, 4, x, w, r, dx, dw, bias ? db : default);

        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, x), dx, 1e-7, "inputGradient");
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, w), dw, 1e-7, "weightGradient");
        if (bias) GradientCheck.AssertClose(GradientCheck.Numerical(Loss, b), db, 1e-7, "biasGradient");
    }
}

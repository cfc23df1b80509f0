using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferenceActivationTests
{
    [Theory]
    [InlineData(ActivationKind.ReLU, 0.0)]
    [InlineData(ActivationKind.LeakyReLU, 0.01)]
    [InlineData(ActivationKind.LeakyReLU, -0.3)]
    [InlineData(ActivationKind.Tanh, 0.0)]
    [InlineData(ActivationKind.Sigmoid, 0.0)]
    [InlineData(ActivationKind.Softmax, 0.0)]
    [InlineData(ActivationKind.LogSoftmax, 0.0)]
    [InlineData(ActivationKind.SiLU, 0.0)]
    [InlineData(ActivationKind.GELU, 0.0)]
    public void ActivationBackward_MatchesFiniteDifferences(ActivationKind kind, double slope)
    {
        const int batch = 3, features = 7;
        double[] x = TestArrays.Uniform(21, batch * features, -3, 3), r = TestArrays.Uniform(22, batch * features);
        var output = new double[x.Length];
        double Loss()
        {
            ActivationReference.Forward<double>(kind, batch, features, x, output, slope);
            return GradientCheck.Dot(output, r);
        }

        Loss();
        double[] y = (double[])output.Clone(), dx = Enumerable.Repeat(9.0, x.Length).ToArray();
        ActivationReference.Backward<double>(kind, batch, features, x, y, r, dx, slope);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, x), dx, 1e-7, "inputGradient");
    }

    [Fact]
    public void SoftmaxForward_GivesRowsThatSumToOne_EvenForHugeLogits()
    {
        double[] x = [1000, 1001, 1002, -5, 0, 5], y = new double[6], logY = new double[6];
        ActivationReference.Forward<double>(ActivationKind.Softmax, 2, 3, x, y);
        ActivationReference.Forward<double>(ActivationKind.LogSoftmax, 2, 3, x, logY);
        Assert.Equal(1.0, y[0] + y[1] + y[2], 12);
        Assert.Equal(1.0, y[3] + y[4] + y[5], 12);
        for (int i = 0; i < 6; i++) Assert.Equal(Math.Log(y[i]), logY[i], 12);
        Assert.Equal(Math.Exp(-2) / (1 + Math.Exp(-1) + Math.Exp(-2)), y[0], 12);
    }

    [Fact]
    public void ActivationForward_MatchesClosedForms()
    {
        double[] x = [-2, -0.5, 0.5, 2], y = new double[4];
        ActivationReference.Forward<double>(ActivationKind.ReLU, 1, 4, x, y);
        Assert.Equal([0.0, 0, 0.5, 2], y);
        ActivationReference.Forward<double>(ActivationKind.Tanh, 1, 4, x, y);
        Assert.Equal(Math.Tanh(-0.5), y[1], 15);
        ActivationReference.Forward<double>(ActivationKind.Sigmoid, 1, 4, x, y);
        Assert.Equal(1 / (1 + Math.Exp(-2.0)), y[3], 15);
        ActivationReference.Forward<double>(ActivationKind.LeakyReLU, 1, 4, x, y, 0.1);
        Assert.Equal([-0.2, -0.05, 0.5, 2], y);
    }

    [Fact]
    public void SiluAndGelu_MatchPyTorchInDoublePrecision()
    {
        // torch.nn.functional.gelu / silu on float64 tensors (PyTorch 1.13; gelu's default is the exact erf form),
        // except gelu(−6): PyTorch's 0.5·x·(1 + erf(x/√2)) cancels there and gives −5.919525869479969e-09, where
        // 0.5·x·erfc(−x/√2), which the reference computes, gives Python's −5.919525870226207e-09.
        double[] x = [-6, -2, -0.5, 0, 0.5, 2, 6], y = new double[7];
        double[] gelu = [-5.919525870226207e-09, -0.04550026389635842, -0.15426876936299344, 0.0, 0.34573123063700656, 1.9544997361036416, 5.999999994080474];
        double[] silu = [-0.014835738939808647, -0.2384058440442351, -0.1887703343990727, 0.0, 0.3112296656009273, 1.7615941559557646, 5.985164261060192];
        ActivationReference.Forward<double>(ActivationKind.GELU, 1, 7, x, y);
        for (int i = 0; i < 7; i++) Assert.True(Math.Abs(gelu[i] - y[i]) <= 1e-14 * Math.Abs(gelu[i]), $"gelu({x[i]}) = {y[i]:R}, PyTorch {gelu[i]:R}");
        ActivationReference.Forward<double>(ActivationKind.SiLU, 1, 7, x, y);
        for (int i = 0; i < 7; i++) Assert.True(Math.Abs(silu[i] - y[i]) <= 1e-14 * Math.Abs(silu[i]), $"silu({x[i]}) = {y[i]:R}, PyTorch {silu[i]:R}");
    }

    [Theory]
    // Python's math.erf.
    [InlineData(0.0, 0.0)]
    [InlineData(1e-09, 1.1283791670955127e-09)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(1.5, 0.9661051464753108)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.5, 0.999593047982555)]
    [InlineData(2.99, 0.9999764743969194)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(3.5, 0.9999992569016276)]
    [InlineData(4.0, 0.9999999845827421)]
    [InlineData(5.0, 0.9999999999984626)]
    [InlineData(6.0, 1.0)]
    [InlineData(-0.7, -0.6778011938374184)]
    [InlineData(-3.2, -0.9999939742388483)]
    public void Erf_MatchesDoublePrecisionValues(double x, double expected)
    {
        double actual = ErfReference.Erf(x);
        Assert.True(Math.Abs(expected - actual) <= 1e-15 * Math.Abs(expected),
            $"erf({x:R}) = {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void Erf_IsOddAndSaturates()
    {
        Assert.True(double.IsNaN(ErfReference.Erf(double.NaN)));
        Assert.Equal(1.0, ErfReference.Erf(double.PositiveInfinity));
        Assert.Equal(-1.0, ErfReference.Erf(double.NegativeInfinity));
        for (double x = 0.05; x < 8; x += 0.37) Assert.Equal(-ErfReference.Erf(x), ErfReference.Erf(-x));
        // The tail, where 1 − erf would cancel (Python's math.erfc).
        Assert.True(Math.Abs(ErfReference.Erfc(5) / 1.5374597944280351e-12 - 1) < 1e-14, $"erfc(5) = {ErfReference.Erfc(5):R}");
        Assert.True(Math.Abs(ErfReference.Erfc(10) / 2.088487583762545e-45 - 1) < 1e-14, $"erfc(10) = {ErfReference.Erfc(10):R}");
    }
}

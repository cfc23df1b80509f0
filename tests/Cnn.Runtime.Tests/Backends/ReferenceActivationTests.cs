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
}

using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferenceLossTests
{
    private const int Batch = 4, Classes = 5;

    [Fact]
    public void SoftmaxCrossEntropyGradient_MatchesFiniteDifferences()
    {
        double[] logits = TestArrays.Uniform(41, Batch * Classes, -3, 3), labels = TestArrays.Labels(42, Batch, Classes);
        var scratch = new double[logits.Length];
        double Loss() => SoftmaxCrossEntropyReference.Compute<double>(Batch, Classes, logits, labels, scratch);
        var gradient = new double[logits.Length];
        SoftmaxCrossEntropyReference.Compute<double>(Batch, Classes, logits, labels, gradient);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, logits), gradient, 1e-8, "gradient");
    }

    [Fact]
    public void SoftmaxCrossEntropy_IsTheMeanOfMinusLogSoftmaxAtTheLabel()
    {
        double[] logits = [1, 2, 3, 1000, 0, -1000], labels = [2, 0], gradient = new double[6];
        double loss = SoftmaxCrossEntropyReference.Compute<double>(2, 3, logits, labels, gradient);
        double first = -(3 - Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        Assert.Equal((first + 0) / 2, loss, 12);
    }

    [Fact]
    public void NllLossGradient_MatchesFiniteDifferences()
    {
        double[] logProbabilities = TestArrays.Uniform(43, Batch * Classes, -4, 0), labels = TestArrays.Labels(44, Batch, Classes);
        var scratch = new double[logProbabilities.Length];
        double Loss() => NllLossReference.Compute<double>(Batch, Classes, logProbabilities, labels, scratch);
        var gradient = new double[logProbabilities.Length];
        double loss = NllLossReference.Compute<double>(Batch, Classes, logProbabilities, labels, gradient);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, logProbabilities), gradient, 1e-8, "gradient");
        double expected = 0;
        for (int n = 0; n < Batch; n++) expected -= logProbabilities[n * Classes + (int)labels[n]] / Batch;
        Assert.Equal(expected, loss, 14);
    }

    [Fact]
    public void ProbabilityCrossEntropyGradient_MatchesFiniteDifferences()
    {
        double[] probabilities = TestArrays.Uniform(45, Batch * Classes, 0.05, 1), labels = TestArrays.Labels(46, Batch, Classes);
        var scratch = new double[probabilities.Length];
        double Loss() => ProbabilityCrossEntropyReference.Compute<double>(Batch, Classes, probabilities, labels, scratch);
        var gradient = new double[probabilities.Length];
        ProbabilityCrossEntropyReference.Compute<double>(Batch, Classes, probabilities, labels, gradient);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, probabilities, 1e-7), gradient, 1e-7, "gradient");
    }

    [Fact]
    public void ProbabilityCrossEntropy_ClampsAZeroProbabilityAtEpsilon_WithZeroGradient()
    {
        double[] probabilities = [0, 1, 0.5, 0.5], labels = [0, 1], gradient = new double[4];
        double loss = ProbabilityCrossEntropyReference.Compute<double>(2, 2, probabilities, labels, gradient);
        Assert.Equal((-Math.Log(1e-7) - Math.Log(0.5)) / 2, loss, 12);
        Assert.Equal([0.0, 0, 0, -1.0 / (0.5 * 2)], gradient);
    }

    [Theory]
    [InlineData(5.0)]
    [InlineData(-1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Losses_RejectLabelsThatAreNotClassIndices(double label)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SoftmaxCrossEntropyReference.Compute<double>(1, 5, new double[5], [label], new double[5]));
        Assert.Contains("sample 0", error.Message);
    }
}

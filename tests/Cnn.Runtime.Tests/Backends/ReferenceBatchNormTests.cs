using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferenceBatchNormTests
{
    private static readonly BatchNormGeometry Geometry = new(3, 2, 5, 1e-5f, 0.1f);
    private const int Batch = 3, Count = 3 * 2 * 5;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormBackward_MatchesFiniteDifferences(bool training)
    {
        double[] x = TestArrays.Uniform(181, Count, -2, 2), w = TestArrays.Uniform(182, 2, 0.5, 1.5), b = TestArrays.Uniform(183, 2);
        double[] runningMean = [0.1, -0.2], runningVariance = [0.9, 1.3], r = TestArrays.Uniform(184, Count);
        double[] output = new double[Count], mean = new double[2], inverseStd = new double[2];
        double Loss()
        {
            // Copies, so that the running statistics do not drift between evaluations.
            BatchNormReference.Forward<double>(Geometry, Batch, x, w, b, (double[])runningMean.Clone(), (double[])runningVariance.Clone(), default, output, training, mean, inverseStd);
            return GradientCheck.Dot(output, r);
        }

        Loss();
        double[] dx = new double[Count], dw = new double[2], db = new double[2];
        BatchNormReference.Backward<double>(Geometry, Batch, x, w, r, dx, dw, db, training, mean, inverseStd);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, x), dx, 1e-6, "inputGradient");
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, w), dw, 1e-6, "weightGradient");
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, b), db, 1e-6, "biasGradient");
    }

    [Fact]
    public void BatchNormForward_InTraining_NormalisesPerChannelAndUpdatesRunningStatisticsLikePyTorch()
    {
        double[] x = TestArrays.Uniform(185, Count, -2, 2), output = new double[Count];
        double[] runningMean = [0.1, -0.2], runningVariance = [0.9, 1.3], tracked = [4.0], mean = new double[2], inverseStd = new double[2];
        BatchNormReference.Forward<double>(Geometry, Batch, x, [], [], runningMean, runningVariance, tracked, output, true, mean, inverseStd);

        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, Batch).SelectMany(n => x.Skip((n * 2 + c) * 5).Take(5)).ToArray();
            double mu = values.Average(), biased = values.Select(v => (v - mu) * (v - mu)).Sum() / values.Length;
            double unbiased = biased * values.Length / (values.Length - 1);
            Assert.Equal(0.9 * (c == 0 ? 0.1 : -0.2) + 0.1 * mu, runningMean[c], 6);
            Assert.Equal(0.9 * (c == 0 ? 0.9 : 1.3) + 0.1 * unbiased, runningVariance[c], 6);
            var normalised = Enumerable.Range(0, Batch).SelectMany(n => output.Skip((n * 2 + c) * 5).Take(5)).ToArray();
            Assert.Equal(0.0, normalised.Average(), 12);
            Assert.Equal(biased / (biased + (double)1e-5f), normalised.Select(v => v * v).Average(), 9);
        }
        Assert.Equal(5.0, tracked[0]);
    }

    [Fact]
    public void BatchNormForward_InEvaluation_UsesTheRunningStatistics()
    {
        var g = new BatchNormGeometry(1, 1, 2, 1e-5f, 0.1f);
        double[] output = new double[2], mean = new double[1], inverseStd = new double[1], runningMean = [1.0], runningVariance = [4.0];
        BatchNormReference.Forward<double>(g, 1, [3.0, -1.0], [2.0], [0.5], runningMean, runningVariance, default, output, false, mean, inverseStd);
        double scale = 2.0 / Math.Sqrt(4.0 + (double)1e-5f);
        Assert.Equal(2 * scale + 0.5, output[0], 12);
        Assert.Equal(-2 * scale + 0.5, output[1], 12);
        Assert.Equal([1.0], runningMean);
    }
}

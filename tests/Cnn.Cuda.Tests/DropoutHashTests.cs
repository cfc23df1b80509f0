using Cnn.Cuda.Operators;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>The host mirror of the CUDA dropout's counter-based random numbers.</summary>
public class DropoutHashTests
{
    [Fact]
    public void SameSeedCallAndIndex_GiveTheSameNumber_OthersDiffer()
    {
        Assert.Equal(DropoutHash.Uniform(42, 3, 1000), DropoutHash.Uniform(42, 3, 1000));
        Assert.NotEqual(DropoutHash.Uniform(42, 3, 1000), DropoutHash.Uniform(42, 4, 1000));
        Assert.NotEqual(DropoutHash.Uniform(42, 3, 1000), DropoutHash.Uniform(43, 3, 1000));
        Assert.NotEqual(DropoutHash.Uniform(42, 3, 1000), DropoutHash.Uniform(42, 3, 1001));
    }

    [Fact]
    public void Numbers_AreUniformInUnitInterval()
    {
        const int n = 200_000;
        int[] buckets = new int[10];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            float u = DropoutHash.Uniform(7, 0, (ulong)i);
            Assert.InRange(u, 0f, 0.99999995f);
            sum += u;
            buckets[(int)(u * 10)]++;
        }
        Assert.InRange(sum / n, 0.497, 0.503);
        foreach (int count in buckets) Assert.InRange(count, n / 10 * 0.97, n / 10 * 1.03);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.2f)]
    public void Masks_AreZeroOrTheInverseKeepRate_WithTheRightRate(float p)
    {
        const int n = 100_000;
        int dropped = 0;
        for (int i = 0; i < n; i++)
        {
            float m = DropoutHash.Mask(p, 11, 2, (ulong)i);
            if (m == 0f) dropped++;
            else Assert.Equal(1f / (1f - p), m);
        }
        Assert.InRange(dropped / (double)n, p - 0.01, p + 0.01);
    }

    [Fact]
    public void ProbabilityOne_DropsEverything_ProbabilityZero_KeepsEverything()
    {
        Assert.Equal(0f, DropoutHash.Mask(1f, 1, 0, 5));
        Assert.Equal(1f, DropoutHash.Mask(0f, 1, 0, 5));
    }
}

using Xunit;

namespace Cnn.Data.Tests;

public sealed class NormalizationTests
{
    [Fact]
    public void KnownDataSets_CarryTheirPublishedStatistics()
    {
        Assert.Equal([0.2860f], Normalization.FashionMnist.Mean);
        Assert.Equal([0.3530f], Normalization.FashionMnist.Std);
        Assert.Equal([0.1307f], Normalization.Mnist.Mean);
        Assert.Equal([0.3081f], Normalization.Mnist.Std);
    }

    [Fact]
    public void Equality_ComparesValues()
    {
        Assert.Equal(new Normalization([0.5f, 0.25f], [2f, 4f]), new Normalization([0.5f, 0.25f], [2f, 4f]));
        Assert.Equal(new Normalization([0.5f], [2f]).GetHashCode(), new Normalization([0.5f], [2f]).GetHashCode());
        Assert.NotEqual(new Normalization([0.5f], [2f]), new Normalization([0.5f], [3f]));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    public void Constructor_NonPositiveStd_Throws(float std)
    {
        Assert.Throws<ArgumentException>(() => new Normalization([0f], [std]));
    }

    [Fact]
    public void Apply_NormalisesEachChannelWithItsOwnStatistics()
    {
        // 2 channels × 3 × 7 so that both the vector loop and the scalar tail run.
        var shape = new TensorShape(2, 3, 7);
        var random = new SeededRandom(51);
        var source = new float[shape.Size];
        for (int i = 0; i < source.Length; i++)
            source[i] = random.NextSingle();
        var normalization = new Normalization([0.25f, 0.75f], [0.5f, 0.125f]);
        var destination = new float[shape.Size];

        normalization.Apply(source, destination, shape);

        for (int i = 0; i < source.Length; i++)
        {
            int c = i / 21;
            Assert.Equal((source[i] - normalization.Mean[c]) / normalization.Std[c], destination[i]);
        }
    }
}

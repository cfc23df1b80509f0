using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class ClassProbabilitiesTests
{
    [Theory]
    [InlineData(OutputKind.Logits, new[] { 1f, 2f, 3f, 50f })]
    [InlineData(OutputKind.LogProbabilities, new[] { -3f, -2f, -1f, -0.01f })]
    public void FromOutput_IsASoftmaxOverTheRealClassesOnly(OutputKind kind, float[] output)
    {
        var probabilities = new float[3];

        ClassProbabilities.FromOutput(output, kind, probabilities);

        // Logits and log-probabilities differ by a constant per row, so both give softmax(1, 2, 3).
        double sum = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(1) / sum, probabilities[0], 1e-6);
        Assert.Equal(Math.Exp(2) / sum, probabilities[1], 1e-6);
        Assert.Equal(Math.Exp(3) / sum, probabilities[2], 1e-6);
    }

    [Fact]
    public void FromOutput_OfASoftmaxHead_RenormalisesOverTheRealClasses()
    {
        var probabilities = new float[2];

        ClassProbabilities.FromOutput([0.3f, 0.1f, 0.6f], OutputKind.Probabilities, probabilities);

        Assert.Equal(0.75f, probabilities[0], 1e-6f);
        Assert.Equal(0.25f, probabilities[1], 1e-6f);
    }

    [Fact]
    public void FromOutput_OfLargeLogits_DoesNotOverflow()
    {
        var probabilities = new float[2];
        ClassProbabilities.FromOutput([1000f, 999f], OutputKind.Logits, probabilities);
        Assert.Equal(1 / (1 + Math.Exp(-1)), probabilities[0], 1e-6);
    }

    [Fact]
    public void FromOutput_MoreClassesThanOutputs_IsRefused() =>
        Assert.Throws<ArgumentException>(() => ClassProbabilities.FromOutput([1f, 2f], OutputKind.Logits, new float[3]));
}

using Cnn.Data;
using Cnn.Losses;
using Cnn.Runtime.Tests.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Losses;

public class LabelSmoothingCrossEntropyLossTests
{
    [Fact]
    public void Compute_MatchesTheSmoothedTargetFormula()
    {
        // −Σ q·log softmax(x) with q = 0.9·onehot + 0.1/3, and its gradient (softmax − q) / 2, computed
        // in Python's double-precision math for PyTorch's CrossEntropyLoss(label_smoothing=0.1) semantics.
        float[] logits = [1, 2, 0.5f, -1, 0, 3], labels = [0, 2], gradient = new float[6];

        float loss = LabelSmoothingCrossEntropyLoss.Compute(2, 3, logits, labels, gradient, 0.1f);

        Assert.Equal(0.8734596772660206, loss, 5);
        double[] expected = [-0.35105471785559217, 0.2975991929392145, 0.05345552491637756, -0.008092753893906473, 0.006639644622320279, 0.0014531092715861504];
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], gradient[i], 6);
    }

    [Fact]
    public void NoSmoothing_OnANetwork_EqualsCrossEntropy()
    {
        ImageDataset data = TrainingData.Patterns(8, 2);
        using var network = new PatternNet(8, seed: 3);
        network.Backend.Upload(data.Pixels.Span, network.Input.Slice(0, data.Pixels.Length));
        network.Backend.Upload([.. data.Labels.ToArray().Select(l => (float)l)], network.Labels.Slice(0, 8));
        network.Forward(8);

        float smoothed = new LabelSmoothingCrossEntropyLoss(0).Compute(network, 8);
        float[] smoothedGradient = new float[8 * 3];
        network.Backend.Download(network.OutputGradient.Slice(0, 24), smoothedGradient);
        float plain = new CrossEntropyLoss().Compute(network, 8);
        float[] plainGradient = new float[8 * 3];
        network.Backend.Download(network.OutputGradient.Slice(0, 24), plainGradient);

        Assert.Equal(plain, smoothed, 5);
        for (int i = 0; i < 24; i++) Assert.Equal(plainGradient[i], smoothedGradient[i], 6);
    }

    [Fact]
    public void OnANetworkThatOutputsProbabilities_IsRejectedNamingTheOutputKind()
    {
        using var network = new Cnn.Runtime.Tests.Networks.SoftmaxNet(4, seed: 1);
        network.Forward(4);

        ArgumentException error = Assert.Throws<ArgumentException>(() => new LabelSmoothingCrossEntropyLoss(0.1f).Compute(network, 4));

        Assert.Equal("network", error.ParamName);
        Assert.Contains("Probabilities", error.Message);
        Assert.Contains("LogSoftmax", error.Message);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void SmoothingOutsideZeroToOne_IsRejected(float smoothing) =>
        Assert.Equal("smoothing", Assert.Throws<ArgumentOutOfRangeException>(() => new LabelSmoothingCrossEntropyLoss(smoothing)).ParamName);
}

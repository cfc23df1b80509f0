using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class ExponentialMovingAverageTests
{
    [Fact]
    public void Fit_LeavesTheAverageOfTheWeightsAfterEveryStep_InTheNetwork()
    {
        ImageDataset train = TrainingData.Patterns(100, 1);
        using var network = new PatternNet(16, seed: 3);
        using var optimizer = new Adam(network, 0.05f);
        // Reference: the weights before the first step and after each step, averaged in double precision.
        double[] expected = [.. TrainingData.Parameters(network).Select(v => (double)v)];
        const double decay = 0.8;
        var recorder = new LambdaCallback
        {
            BatchEnd = (context, _) =>
            {
                float[] weights = TrainingData.Parameters(context.Network);
                for (int i = 0; i < expected.Length; i++) expected[i] = decay * expected[i] + (1 - decay) * weights[i];
            },
        };
        float[] last = [];
        var final = new LambdaCallback { TrainEnd = context => last = TrainingData.Parameters(context.Network) };

        network.Fit(train, null, new FitOptions
        {
            Optimizer = optimizer, Epochs = 2, BatchSize = 16, Seed = 1,
            Callbacks = [recorder, final, new ExponentialMovingAverage(decay)],
        });

        float[] averaged = TrainingData.Parameters(network);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], averaged[i], 4);
        // The average differs from the last step's weights, so the test sees the swap.
        Assert.True(averaged.Zip(last).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void DecayOutsideZeroToOne_IsRejected(double decay) =>
        Assert.Equal("decay", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage(decay)).ParamName);
}

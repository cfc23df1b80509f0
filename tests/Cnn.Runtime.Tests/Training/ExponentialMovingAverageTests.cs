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

    [Fact]
    public void Fit_EveryThirdStep_AveragesRunningStatistics_AndCopiesTheBatchCount()
    {
        ImageDataset train = TrainingData.Patterns(100, 1);
        using var network = new BatchNormPatternNet(16, seed: 3);
        using var optimizer = new Adam(network, 0.05f);
        // Reference in double precision: the buffers before the first step, then after steps 3, 6, 9 and 12
        // of the 14 (2 epochs of 7 batches), running mean and variance averaged, the batch count taken as is.
        double[] expected = [.. Buffers(network).Select(v => (double)v)];
        const double decay = 0.7;
        int batches = 0;
        float[] live = [];
        var recorder = new LambdaCallback
        {
            BatchEnd = (context, _) =>
            {
                live = Buffers(context.Network);
                if (++batches % 3 != 0) return;
                foreach (ParameterInfo info in context.Network.BufferInfos)
                {
                    for (int i = (int)info.Offset; i < info.Offset + info.Length; i++)
                        expected[i] = info.Role == ParameterRole.BatchesTracked ? live[i] : decay * expected[i] + (1 - decay) * live[i];
                }
            },
        };

        network.Fit(train, null, new FitOptions
        {
            Optimizer = optimizer, Epochs = 2, BatchSize = 16, Seed = 1,
            Callbacks = [recorder, new ExponentialMovingAverage(decay, every: 3)],
        });

        Assert.Equal(14, batches);
        float[] averaged = Buffers(network);
        ParameterInfo count = network.BufferInfos.Single(b => b.Role == ParameterRole.BatchesTracked);
        Assert.Equal(12f, averaged[(int)count.Offset]); // copied at step 12, not averaged
        Assert.Equal(14f, live[(int)count.Offset]);
        foreach (ParameterInfo info in network.BufferInfos.Where(b => b.Role is ParameterRole.RunningMean or ParameterRole.RunningVariance))
        {
            for (int i = (int)info.Offset; i < info.Offset + info.Length; i++) Assert.Equal(expected[i], averaged[i], 1e-5);
        }
        // The averaged running statistics differ from the last step's, so the test sees the swap.
        Assert.True(averaged.Zip(live).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public void ApplyOnTrainEndFalse_LeavesTheLastWeights_UntilApplyTo()
    {
        ImageDataset train = TrainingData.Patterns(100, 1);
        using var network = new PatternNet(16, seed: 3);
        using var optimizer = new Adam(network, 0.05f);
        double[] expected = [.. TrainingData.Parameters(network).Select(v => (double)v)];
        const double decay = 0.8;
        float[] last = [];
        var recorder = new LambdaCallback
        {
            BatchEnd = (context, _) =>
            {
                last = TrainingData.Parameters(context.Network);
                for (int i = 0; i < expected.Length; i++) expected[i] = decay * expected[i] + (1 - decay) * last[i];
            },
        };
        var average = new ExponentialMovingAverage(decay) { ApplyOnTrainEnd = false };

        network.Fit(train, null, new FitOptions
        {
            Optimizer = optimizer, Epochs = 2, BatchSize = 16, Seed = 1, Callbacks = [recorder, average],
        });

        Assert.Equal(last, TrainingData.Parameters(network));
        average.ApplyTo(network);
        float[] averaged = TrainingData.Parameters(network);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], averaged[i], 1e-4);
        Assert.True(averaged.Zip(last).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WithEarlyStoppingRestoringWeights_TheLaterCallbackInTheListWins(bool averageLast)
    {
        ImageDataset train = TrainingData.Patterns(100, 1);
        using var network = new PatternNet(16, seed: 3);
        using var optimizer = new Adam(network, 0.05f);
        double[] expected = [.. TrainingData.Parameters(network).Select(v => (double)v)];
        const double decay = 0.8;
        var epochWeights = new List<float[]>();
        var recorder = new LambdaCallback
        {
            BatchEnd = (context, _) =>
            {
                float[] weights = TrainingData.Parameters(context.Network);
                for (int i = 0; i < expected.Length; i++) expected[i] = decay * expected[i] + (1 - decay) * weights[i];
            },
            EpochEnd = (context, _) => epochWeights.Add(TrainingData.Parameters(context.Network)),
        };
        var stopping = new EarlyStopping("loss", patience: 10, restoreBestWeights: true);
        var average = new ExponentialMovingAverage(decay);

        network.Fit(train, null, new FitOptions
        {
            Optimizer = optimizer, Epochs = 3, BatchSize = 16, Seed = 1,
            Callbacks = averageLast ? [recorder, stopping, average] : [recorder, average, stopping],
        });

        float[] final = TrainingData.Parameters(network);
        if (averageLast)
        {
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], final[i], 1e-4);
        }
        else
        {
            Assert.Equal(epochWeights[stopping.BestEpoch - 1], final);
        }
        Assert.True(expected.Zip(epochWeights[stopping.BestEpoch - 1]).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    private static float[] Buffers(INetwork network)
    {
        float[] values = new float[network.Buffers.Length];
        network.Backend.Download(network.Buffers, values);
        return values;
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void DecayOutsideZeroToOne_IsRejected(double decay) =>
        Assert.Equal("decay", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage(decay)).ParamName);
}

using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Runtime.Tests.Networks;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

public class DivergenceTests
{
    private static readonly ImageDataset Train = TrainingData.Patterns(96, 1);

    [Fact]
    public void TerminateOnNaN_StopsAtTheStep_KeepsTheLastCheckpointByteIdentical_AndTheLastGoodWeights()
    {
        using var directory = new TrainingData.TempDirectory();
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Adam(network, 0.01f);
        string path = directory.File("model.safetensors");
        var checkpoint = new ModelCheckpoint(path);
        var terminate = new TerminateOnNaN();
        byte[]? savedAfterEpoch2 = null;
        float[]? weightsBeforeNaN = null;
        var watcher = new LambdaCallback
        {
            EpochEnd = (c, r) => { if (r.Epoch == 2) savedAfterEpoch2 = File.ReadAllBytes(path); },
            BatchEnd = (c, b) => { if (double.IsFinite(b.Loss)) weightsBeforeNaN = TrainingData.Parameters(c.Network); },
        };
        var log = new StringWriter();
        // Epoch 3 (StartEpoch(2)), batch 2 carries a NaN: step 3 + 3 + 2 = 8.
        var source = new PoisonedSource(new BatchLoader(Train, 32, shuffle: true, seed: 3), epoch: 2, batch: 2);

        IReadOnlyList<EpochResult> history = network.Fit(source, null, new FitOptions
        {
            Optimizer = optimizer, Epochs = 5, Seed = 3, Callbacks = [checkpoint, terminate, watcher], Log = log,
        });

        Assert.Equal(2, history.Count);
        Assert.Equal(savedAfterEpoch2, File.ReadAllBytes(path));
        Assert.Equal(2, checkpoint.LastSavedEpoch);
        Assert.Equal(weightsBeforeNaN, TrainingData.Parameters(network)); // the NaN step was not applied
        Assert.Equal(7, optimizer.Steps);

        Divergence divergence = terminate.Divergence!;
        Assert.Equal((3, 2, 8L), (divergence.Epoch, divergence.Batch, divergence.Step));
        Assert.Equal(DivergenceSource.Input, divergence.Source);
        Assert.Equal(1, divergence.Sample);
        Assert.Equal("conv", divergence.Layer);
        Assert.Contains("step 8", divergence.Message);
        Assert.Contains("step 8", log.ToString());
    }

    [Fact]
    public void Divergence_NamesTheLayerOfTheFirstNonFiniteParameter()
    {
        using var network = new TinyMlp(8, seed: 2);
        using var optimizer = new Sgd(network, 0.1f);
        var data = new ImageDataset(RandomTestData.Uniform(64 * 4, 7), RandomTestData.Labels(64, 2, 8).Select(l => (int)l).ToArray(), TensorShape.Flat(4), ["a", "b"]);
        ParameterInfo outWeight = network.ParameterInfos.Single(p => p.Name == "out.weight");
        // After step 2, the output layer's weights blow up (as a too-large step would make them).
        var poison = new LambdaCallback
        {
            BatchEnd = (c, b) =>
            {
                if (b.Step != 2) return;
                float[] inf = Enumerable.Repeat(float.PositiveInfinity, outWeight.Length).ToArray();
                c.Network.Backend.Upload(inf, c.Network.Parameters.Slice((int)outWeight.Offset, outWeight.Length));
            },
        };

        var error = Assert.Throws<TrainingDivergedException>(() =>
            network.Fit(data, null, new FitOptions { Optimizer = optimizer, Epochs = 1, BatchSize = 8, Callbacks = [poison] }));

        Divergence divergence = error.Divergence!;
        Assert.Equal(3, divergence.Step);
        Assert.Equal(DivergenceSource.Parameter, divergence.Source);
        Assert.Equal("out", divergence.Layer);
        Assert.Equal("out.weight", divergence.Tensor);
        Assert.Contains("from 'out', whose parameter 'out.weight' is not finite", error.Message);
        Assert.Contains("step 3", error.Message);
    }

    [Fact]
    public void Divergence_NamesTheFirstLayerThatOverflows_WhenItsWeightsAreFinite()
    {
        using var network = new SoftmaxNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        // Huge but finite weights: the linear layer's sums overflow to infinity, and softmax makes NaN of them.
        network.Backend.Upload(Enumerable.Repeat(3e38f, 48).ToArray(), network.Parameters.Slice(0, 48));
        float[] before = TrainingData.Parameters(network);

        var error = Assert.Throws<TrainingDivergedException>(() => network.Fit(Train, null, new FitOptions { Optimizer = optimizer, BatchSize = 32 }));

        Assert.Equal(DivergenceSource.Activation, error.Divergence!.Source);
        Assert.Equal("fc", error.Divergence.Layer);
        Assert.Equal((1, 1L), (error.Divergence.Batch, error.Divergence.Step));
        Assert.Equal(before, TrainingData.Parameters(network)); // the failed step changed nothing
        Assert.Equal(0, optimizer.Steps);
    }

    [Fact]
    public void WithoutTerminateOnNaN_FitThrowsWithTheDiagnosis()
    {
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.1f);
        var source = new PoisonedSource(new BatchLoader(Train, 32), epoch: 0, batch: 3);
        var error = Assert.Throws<TrainingDivergedException>(() => network.Fit(source, null, new FitOptions { Optimizer = optimizer, Epochs = 2 }));
        Assert.Equal((1, 3), (error.Epoch, error.Batch));
        Assert.Equal(DivergenceSource.Input, error.Divergence!.Source);
        Assert.Contains("Sample 1 of the batch", error.Message);
    }
}

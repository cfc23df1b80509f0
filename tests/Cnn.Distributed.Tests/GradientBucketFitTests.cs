using Cnn.Backends.Cpu;
using Cnn.Training;

namespace Cnn.Distributed.Tests;

public sealed class GradientBucketFitTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ALossThatIsNotFiniteOnOneRankOnly_StopsEveryRankAlike_WithBucketsStartedInTheSameOrder(bool synchronizedBatchNorm)
    {
        // Rank 1 skips backward at step 3 and contributes zeros to every bucket; rank 0 starts them from backward (or, when
        // batch norm synchronizes and every rank skips backward, after it). Mismatched reductions would fail in the group.
        const int Ranks = 2, Batch = 8, Steps = 4, DivergingStep = 3;
        var failures = new Exception?[Ranks];
        var parameters = new float[Ranks][];
        new InProcessGroup(Ranks).Run(world =>
        {
            using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
            Cnn.Backends.IBackend backend = new GradientSignallingBackend(synchronizedBatchNorm ? new SynchronizedBatchNormBackend(cpu, world) : cpu);
            using INetwork network = synchronizedBatchNorm ? new MnistBnNet(Batch, backend, seed: 1) : new TutorialNet(Batch, backend, seed: 1);
            var options = new FitOptions
            {
                Optimizer = new Cnn.Optimizers.Sgd(network, learningRate: 0.05f),
                Loss = new NotFiniteAt(Cnn.Losses.Loss.For(network), step: world.Rank == 1 ? DivergingStep : int.MaxValue),
                Epochs = 1,
                BatchSize = Batch,
                Seed = Training.Seed,
                Distributed = world,
                GradientBucketBytes = 64 << 10,
            };
            failures[world.Rank] = Record.Exception(() => network.Fit(Training.Data(Steps * Batch * Ranks), validation: null, options));
            parameters[world.Rank] = new float[network.Parameters.Length];
            cpu.Download(network.Parameters, parameters[world.Rank]);
        });
        for (int rank = 0; rank < Ranks; rank++) Assert.IsType<TrainingDivergedException>(failures[rank]);
        // Both ranks skipped the update alike: they still hold the same parameters.
        Assert.Equal(parameters[0], parameters[1]);
    }
}

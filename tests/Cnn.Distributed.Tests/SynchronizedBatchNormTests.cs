using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Training;

namespace Cnn.Distributed.Tests;

/// <summary>
/// The synchronized batch norm on an in-process group of ranks (one thread each, no MPI) against one
/// process's reference batch norm on the ranks' batches concatenated.
/// </summary>
public sealed class SynchronizedBatchNormTests
{
    private const float Epsilon = 1e-5f, Momentum = 0.1f;

    /// <summary>
    /// The operators: "fast" and "reference" are the CPU backend's kernels synchronized between their
    /// passes (the fast one's SIMD planes need 16 values or more per channel and sample, fewer run the
    /// reference); "host" is the host-copy operator that other backends (CUDA) get, reached here through
    /// an inner backend that is not the CPU backend.
    /// </summary>
    [Theory]
    [InlineData("fast", 2, 4, 3, 20)]      // BatchNorm2d: two ranks of four samples, twenty values per channel and sample
    [InlineData("fast", 2, 3, 2, 37)]      // a tail after the SIMD lanes, and three threads over two channels
    [InlineData("reference", 2, 4, 3, 10)]
    [InlineData("host", 2, 4, 3, 20)]
    [InlineData("fast", 3, 2, 4, 1)]       // BatchNorm1d: three ranks of two samples, one value per channel and sample
    [InlineData("host", 3, 2, 4, 1)]
    public void TrainingForwardAndBackward_MatchOneProcessOnTheConcatenatedBatch(string kind, int ranks, int batch, int channels, int spatial)
    {
        int perRank = batch * channels * spatial, total = ranks * perRank;
        var random = new Random(1234);
        // Each rank's samples have another offset and scale, so that no rank's own statistics are the global ones.
        float[] x = new float[total], dy = new float[total];
        for (int i = 0; i < total; i++)
        {
            int rank = i / perRank;
            x[i] = 3f * rank - 1f + (1f + rank) * (float)random.NextDouble();
            dy[i] = (float)random.NextDouble() - 0.3f * rank;
        }
        float[] weight = Enumerable.Range(0, channels).Select(c => 0.5f + 0.25f * c).ToArray();
        float[] bias = Enumerable.Range(0, channels).Select(c => 0.1f * c - 0.2f).ToArray();
        float[] runningMean = Enumerable.Range(0, channels).Select(c => 0.05f * c).ToArray();
        float[] runningVariance = Enumerable.Range(0, channels).Select(c => 1f + 0.1f * c).ToArray();

        // One process, the whole batch: the reference kernels.
        using var single = new CpuBackend(CpuKernels.Reference);
        var expected = new BatchNormRun(single, new BatchNormGeometry(ranks * batch, channels, spatial, Epsilon, Momentum), weight, bias, runningMean, runningVariance);
        expected.TrainingStep(ranks * batch, x, dy);
        expected.Evaluate(ranks * batch, x);

        var actual = new BatchNormRun[ranks];
        var group = new InProcessGroup(ranks);
        group.Run(rank =>
        {
            using var cpu = new CpuBackend(kind == "reference" ? CpuKernels.Reference : CpuKernels.Fast, threads: kind == "fast" ? 3 : 1);
            using var one = new SingleProcessCollectives();
            IBackend inner = kind == "host" ? new SynchronizedBatchNormBackend(cpu, one) : cpu; // forwards everything, and is not a CpuBackend
            var run = new BatchNormRun(new SynchronizedBatchNormBackend(inner, rank), new BatchNormGeometry(batch, channels, spatial, Epsilon, Momentum),
                weight, bias, runningMean, runningVariance);
            run.TrainingStep(batch, x.AsSpan(rank.Rank * perRank, perRank).ToArray(), dy.AsSpan(rank.Rank * perRank, perRank).ToArray());
            run.Evaluate(batch, x.AsSpan(rank.Rank * perRank, perRank).ToArray());
            actual[rank.Rank] = run;
        });

        for (int r = 0; r < ranks; r++)
        {
            // Each rank's output and input gradient are its rows of the whole batch's.
            AssertClose(expected.Output.AsSpan(r * perRank, perRank), actual[r].Output, $"rank {r} output");
            AssertClose(expected.InputGradient.AsSpan(r * perRank, perRank), actual[r].InputGradient, $"rank {r} input gradient");
            AssertClose(expected.EvaluationOutput.AsSpan(r * perRank, perRank), actual[r].EvaluationOutput, $"rank {r} evaluation output");
            // The running statistics moved alike on every rank, towards the global mean and unbiased variance.
            AssertClose(expected.RunningMean, actual[r].RunningMean, $"rank {r} running mean");
            AssertClose(expected.RunningVariance, actual[r].RunningVariance, $"rank {r} running variance");
            Assert.Equal(expected.BatchesTracked, actual[r].BatchesTracked);
        }
        // The weight and bias gradients are each rank's share: they add up to the whole batch's.
        AssertClose(expected.WeightGradient, Sum(actual.Select(a => a.WeightGradient)), "weight gradient summed over ranks");
        AssertClose(expected.BiasGradient, Sum(actual.Select(a => a.BiasGradient)), "bias gradient summed over ranks");
        // Not trivially equal: rank 0's own statistics differ from the global ones.
        Assert.NotEqual(expected.RunningMean[0], Mean(x.AsSpan(0, perRank), channels, spatial) * Momentum, 3);
    }

    [Fact]
    public void WithOneRank_TheBackendsOwnOperatorRuns()
    {
        using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
        using var world = new SingleProcessCollectives();
        var backend = new SynchronizedBatchNormBackend(cpu, world);
        Assert.Equal(cpu.CreateBatchNorm(new BatchNormGeometry(2, 3, 16, Epsilon, Momentum)).GetType(),
            backend.CreateBatchNorm(new BatchNormGeometry(2, 3, 16, Epsilon, Momentum)).GetType());
        Assert.Equal("cpu+syncbn", backend.Name);
    }

    private static float Mean(ReadOnlySpan<float> values, int channels, int spatial)
    {
        double sum = 0;
        int count = 0;
        for (int n = 0; n < values.Length / (channels * spatial); n++)
        for (int s = 0; s < spatial; s++, count++) sum += values[n * channels * spatial + s];
        return (float)(sum / count);
    }

    private static float[] Sum(IEnumerable<float[]> parts)
    {
        float[][] all = parts.ToArray();
        return Enumerable.Range(0, all[0].Length).Select(i => (float)all.Sum(p => (double)p[i])).ToArray();
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-5 * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: {actual[i]:R}, expected {expected[i]:R}");
        }
    }

    /// <summary>One batch norm's tensors on a backend: a training forward and backward, then an evaluation forward.</summary>
    private sealed class BatchNormRun
    {
        private readonly IBackend _backend;
        private readonly IBatchNormOperator _operator;
        private readonly Tensor _weight, _bias, _runningMean, _runningVariance, _batchesTracked, _input, _output, _outputGradient, _inputGradient, _weightGradient, _biasGradient;

        public BatchNormRun(IBackend backend, BatchNormGeometry geometry, float[] weight, float[] bias, float[] runningMean, float[] runningVariance)
        {
            _backend = backend;
            _operator = backend.CreateBatchNorm(geometry);
            int channels = geometry.Channels, values = geometry.MaxBatch * channels * (int)geometry.Spatial;
            Tensor Make(int length, float[]? initial = null)
            {
                var tensor = new Tensor(backend.Allocate(length), 0, length);
                if (initial is not null) backend.Upload(initial, tensor);
                return tensor;
            }
            (_weight, _bias, _runningMean, _runningVariance, _batchesTracked) = (Make(channels, weight), Make(channels, bias), Make(channels, runningMean), Make(channels, runningVariance), Make(1));
            (_input, _output, _outputGradient, _inputGradient, _weightGradient, _biasGradient) = (Make(values), Make(values), Make(values), Make(values), Make(channels), Make(channels));
        }

        public float[] Output { get; private set; } = [];
        public float[] InputGradient { get; private set; } = [];
        public float[] WeightGradient { get; private set; } = [];
        public float[] BiasGradient { get; private set; } = [];
        public float[] RunningMean { get; private set; } = [];
        public float[] RunningVariance { get; private set; } = [];
        public float BatchesTracked { get; private set; }
        public float[] EvaluationOutput { get; private set; } = [];

        public void TrainingStep(int batch, float[] x, float[] dy)
        {
            _backend.Upload(x, _input);
            _backend.Upload(dy, _outputGradient);
            _operator.Forward(batch, _input, _weight, _bias, _runningMean, _runningVariance, _batchesTracked, _output, training: true);
            _operator.Backward(batch, _input, _weight, _outputGradient, _inputGradient, _weightGradient, _biasGradient);
            Output = Read(_output, x.Length);
            InputGradient = Read(_inputGradient, x.Length);
            WeightGradient = Read(_weightGradient, _weightGradient.Length);
            BiasGradient = Read(_biasGradient, _biasGradient.Length);
            RunningMean = Read(_runningMean, _runningMean.Length);
            RunningVariance = Read(_runningVariance, _runningVariance.Length);
            BatchesTracked = Read(_batchesTracked, 1)[0];
        }

        public void Evaluate(int batch, float[] x)
        {
            _backend.Upload(x, _input);
            _operator.Forward(batch, _input, _weight, _bias, _runningMean, _runningVariance, _batchesTracked, _output, training: false);
            EvaluationOutput = Read(_output, x.Length);
        }

        private float[] Read(Tensor tensor, int length)
        {
            float[] values = new float[tensor.Length];
            _backend.Download(tensor, values);
            return values[..length];
        }
    }
}

/// <summary>Data-parallel <c>Fit</c> with synchronized batch norm on an in-process group: the cases that need no MPI.</summary>
public sealed class SynchronizedBatchNormFitTests
{
    [Fact]
    public void ALossThatIsNotFiniteOnOneRankOnly_StopsEveryRankAlike_WithoutMismatchingTheCollectives()
    {
        const int Ranks = 2, Batch = 8, Steps = 4, DivergingStep = 3;
        var failures = new Exception?[Ranks];
        new InProcessGroup(Ranks).Run(world =>
        {
            using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
            using var network = new MnistBnNet(Batch, new SynchronizedBatchNormBackend(cpu, world), seed: 1);
            var options = new Cnn.Training.FitOptions
            {
                Optimizer = new Cnn.Optimizers.Sgd(network, learningRate: 0.05f),
                Loss = new NotFiniteAt(Cnn.Losses.Loss.For(network), step: world.Rank == 1 ? DivergingStep : int.MaxValue),
                Epochs = 1,
                BatchSize = Batch,
                Seed = Training.Seed,
                Distributed = world,
            };
            failures[world.Rank] = Record.Exception(() => network.Fit(Training.Data(Steps * Batch * Ranks), validation: null, options));
        });
        for (int rank = 0; rank < Ranks; rank++)
        {
            Assert.IsType<Cnn.Training.TrainingDivergedException>(failures[rank]);
        }
    }
}

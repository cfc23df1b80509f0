using System.Diagnostics;
using System.Globalization;
using Cnn.Backends.Cpu;
using Cnn.Data;
using Cnn.Distributed.Mpi;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Distributed.Tests;

/// <summary>What one rank does when mpirun starts this assembly: <c>dotnet Cnn.Distributed.Tests.dll worker &lt;mode&gt; ...</c>.</summary>
internal static class Workers
{
    public const string Command = "worker";

    public static int Run(string[] args)
    {
        // The stall worker bounds its collectives by its first argument's seconds; the others keep the default.
        using var world = args is ["stall", string timeout, ..] ? new MpiCollectives(TimeSpan.FromSeconds(double.Parse(timeout, CultureInfo.InvariantCulture))) : new MpiCollectives();
        try
        {
            return args switch
            {
                ["collectives"] => Collectives(world),
                ["train", string batch, string steps, string output] => Train(world, int.Parse(batch, CultureInfo.InvariantCulture), int.Parse(steps, CultureInfo.InvariantCulture), output),
                ["train-buckets", string batch, string steps, string bucketBytes, string output] => TrainBuckets(world, int.Parse(batch, CultureInfo.InvariantCulture), int.Parse(steps, CultureInfo.InvariantCulture), long.Parse(bucketBytes, CultureInfo.InvariantCulture), output),
                ["train-bn", string batch, string steps, string output] => TrainBatchNorm(world, int.Parse(batch, CultureInfo.InvariantCulture), int.Parse(steps, CultureInfo.InvariantCulture), output),
                ["bench", string batch, string threads, string batches] => Bench(world, int.Parse(batch, CultureInfo.InvariantCulture), int.Parse(threads, CultureInfo.InvariantCulture), int.Parse(batches, CultureInfo.InvariantCulture), bucketBytes: null),
                ["bench", string batch, string threads, string batches, string bucketBytes] => Bench(world, int.Parse(batch, CultureInfo.InvariantCulture), int.Parse(threads, CultureInfo.InvariantCulture), int.Parse(batches, CultureInfo.InvariantCulture), long.Parse(bucketBytes, CultureInfo.InvariantCulture)),
                ["fashion", string limit, string output] => Fashion(world, int.Parse(limit, CultureInfo.InvariantCulture), output),
                ["resume", string directory, string output] => Resume(world, directory, output),
                ["crash", string rank, string how] => Crash(world, int.Parse(rank, CultureInfo.InvariantCulture), how),
                ["stall", _, string rank, string seconds] => Stall(world, int.Parse(rank, CultureInfo.InvariantCulture), double.Parse(seconds, CultureInfo.InvariantCulture)),
                ["nccl-id"] => NcclWorkers.UniqueIdBroadcast(world),
                ["nccl-id-fails"] => NcclWorkers.UniqueIdFailure(world),
                ["nccl-setup"] => NcclWorkers.SetupWithoutGpu(world),
                _ => throw new ArgumentException($"Unknown worker arguments: {string.Join(' ', args)}"),
            };
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"rank {world.Rank}: {e}");
            world.Abort(3);
            return 3;
        }
    }

    /// <summary>Checks sum, mean, broadcast and barrier on every rank; prints one line per rank.</summary>
    private static int Collectives(MpiCollectives world)
    {
        int rank = world.Rank, size = world.WorldSize;
        float[] values = [rank + 1, 10 * (rank + 1), -rank];
        world.AllReduce(values, ReduceOp.Sum);
        float triangle = size * (size + 1) / 2f;
        Expect(values, [triangle, 10 * triangle, -(size * (size - 1) / 2f)], world, "sum");

        float[] mean = [rank, 2f * rank];
        world.AllReduce(mean, ReduceOp.Mean);
        Expect(mean, [(size - 1) / 2f, size - 1f], world, "mean");

        // Doubles keep what floats would round away (2^-40 next to 1) and hold what floats cannot (2^200); these sums are exact.
        double[] precise = [1 + rank * Math.Pow(2, -40), Math.Pow(2, 200) * (rank + 1)];
        world.AllReduce(precise, ReduceOp.Sum);
        double[] expectedPrecise = [size + Math.Pow(2, -40) * (size * (size - 1) / 2), Math.Pow(2, 200) * triangle];
        if (precise[0] != expectedPrecise[0] || precise[1] != expectedPrecise[1])
            throw new InvalidOperationException($"rank {rank} of {size}: double sum is [{precise[0]:R}, {precise[1]:R}], expected [{expectedPrecise[0]:R}, {expectedPrecise[1]:R}]");
        double[] preciseMean = [rank * Math.Pow(2, -40)];
        world.AllReduce(preciseMean, ReduceOp.Mean);
        if (preciseMean[0] != Math.Pow(2, -40) * (size - 1) / 2.0)
            throw new InvalidOperationException($"rank {rank} of {size}: double mean is {preciseMean[0]:R}, expected {Math.Pow(2, -40) * (size - 1) / 2.0:R}");

        int root = size - 1;
        float[] broadcast = rank == root ? [7, 8, 9] : [0, 0, 0];
        world.Broadcast(broadcast, root);
        Expect(broadcast, [7, 8, 9], world, "broadcast");

        // Non-blocking: two ranges of one buffer reduced at once, completed in the other order; the element after them is left alone.
        float[] ranges = new float[8];
        for (int i = 0; i < ranges.Length; i++) ranges[i] = rank * 8 + i;
        IPendingReduction first = world.StartAllReduce(ranges, 0, 3), second = world.StartAllReduce(ranges, 3, 4);
        while (!second.Test())
        {
        }
        first.Wait();
        second.Wait();
        if (!first.Test()) throw new InvalidOperationException($"rank {rank} of {size}: a reduction that Wait completed still tests as pending");
        float[] expectedRanges = new float[8];
        for (int i = 0; i < 8; i++) expectedRanges[i] = i < 7 ? 8 * size * (size - 1) / 2f + size * i : rank * 8 + i;
        Expect(ranges, expectedRanges, world, "StartAllReduce");

        // Rank 0 arrives late: no rank may leave the barrier before it arrives.
        if (rank == 0) Thread.Sleep(500);
        var clock = Stopwatch.StartNew();
        world.Barrier();
        if (rank != 0 && clock.ElapsedMilliseconds < 300) throw new InvalidOperationException($"rank {rank} left the barrier after {clock.ElapsedMilliseconds} ms, before rank 0 arrived");
        Console.WriteLine($"rank {rank} of {size}: collectives ok");
        return 0;
    }

    private static void Expect(float[] actual, float[] expected, MpiCollectives world, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(actual[i] - expected[i]) > 1e-6f)
                throw new InvalidOperationException($"rank {world.Rank} of {world.WorldSize}: {what}[{i}] is {actual[i]}, expected {expected[i]}");
        }
    }

    /// <summary>Trains the tutorial network data-parallel for <paramref name="steps"/> steps; rank 0 writes the parameters.</summary>
    private static int Train(MpiCollectives world, int batch, int steps, string output)
    {
        float[] parameters = Training.Run(world, batch, steps);
        if (world.Rank == 0) Training.Write(output, parameters);
        return 0;
    }

    /// <summary>
    /// Trains the tutorial network data-parallel twice from the same start: with the one all-reduce after backward, and
    /// with gradient buckets of <paramref name="bucketBytes"/> started during backward; rank 0 writes the bucketed run's
    /// parameters to <paramref name="output"/> and the other's to <paramref name="output"/>.single.
    /// </summary>
    private static int TrainBuckets(MpiCollectives world, int batch, int steps, long bucketBytes, string output)
    {
        float[] single = Training.Run(world, batch, steps);
        float[] bucketed = Training.Run(world, batch, steps, bucketBytes);
        if (world.Rank == 0)
        {
            Training.Write(output, bucketed);
            Training.Write(output + ".single", single);
        }
        return 0;
    }

    /// <summary>
    /// Trains the batch-norm variant with synchronized batch norm for <paramref name="steps"/> steps; rank 0 writes the
    /// parameters to <paramref name="output"/> and the buffers (running statistics) to <paramref name="output"/>.buffers.
    /// </summary>
    private static int TrainBatchNorm(MpiCollectives world, int batch, int steps, string output)
    {
        (float[] parameters, float[] buffers) = Training.RunBatchNorm(world, batch, steps);
        if (world.Rank == 0)
        {
            Training.Write(output, parameters);
            Training.Write(output + ".buffers", buffers);
        }
        return 0;
    }

    /// <summary>
    /// One epoch of the first <paramref name="limit"/> Fashion-MNIST training images at a global batch of 64;
    /// rank 0 writes the test accuracy to <paramref name="output"/>.
    /// </summary>
    private static int Fashion(MpiCollectives world, int limit, string output)
    {
        double accuracy = FashionMnistRun.Accuracy(world, limit);
        if (world.Rank == 0) File.WriteAllText(output, accuracy.ToString("R", CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>
    /// Trains two epochs of five Adam steps per rank three ways: uninterrupted; cancelled after step 7 (batch 2
    /// of epoch 2, by a callback, so at the same batch on every rank) with a checkpoint in <paramref name="directory"/>;
    /// and resumed from it into networks that start from other weights. Every rank checks that its resumed
    /// parameters are rank 0's; rank 0 writes both runs' parameters and history to <paramref name="output"/>.full/.resumed.
    /// </summary>
    private static int Resume(MpiCollectives world, string directory, string output)
    {
        const int Batch = 16, BatchesPerEpoch = 5, CancelAfterStep = 7;
        ImageDataset data = Training.Data(BatchesPerEpoch * Batch * world.WorldSize);
        (float[] Parameters, IReadOnlyList<EpochResult> History) Fit(ulong seed, Func<FitOptions, FitOptions> configure)
        {
            using var backend = new CpuBackend(CpuKernels.Fast, threads: 1);
            using var network = new TutorialNet(Batch, backend, seed);
            var options = configure(new FitOptions
            {
                Optimizer = new Adam(network, learningRate: 1e-3f),
                Epochs = 2,
                BatchSize = Batch,
                Seed = Training.Seed,
                Distributed = world,
            });
            IReadOnlyList<EpochResult> history;
            try
            {
                history = network.Fit(data, validation: null, options);
            }
            catch (TrainingCanceledException canceled)
            {
                history = canceled.History;
            }
            float[] parameters = new float[network.Parameters.Length];
            backend.Download(network.Parameters, parameters);
            return (parameters, history);
        }

        ulong other = world.Rank == 0 ? 1UL : 99UL;
        (float[] full, IReadOnlyList<EpochResult> fullHistory) = Fit(other, o => o);
        using var cancel = new CancellationTokenSource();
        Fit(other, o => o with
        {
            CheckpointDirectory = directory,
            CheckpointEveryEpoch = true,
            CancellationToken = cancel.Token,
            Callbacks = [new LambdaCallback { BatchEnd = (context, _) => { if (context.Step == CancelAfterStep) cancel.Cancel(); } }],
        });
        (float[] resumed, IReadOnlyList<EpochResult> resumedHistory) = Fit(world.Rank == 0 ? 5UL : 98UL, o => o with { ResumeFrom = directory });

        float[] rankZero = (float[])resumed.Clone();
        world.Broadcast(rankZero, root: 0);
        if (!rankZero.AsSpan().SequenceEqual(resumed)) throw new InvalidOperationException($"rank {world.Rank}: the resumed parameters are not rank 0's");
        if (world.Rank == 0)
        {
            Training.Write(output + ".full", full);
            Training.Write(output + ".resumed", resumed);
            File.WriteAllLines(output + ".full.history", fullHistory.Select(Row));
            File.WriteAllLines(output + ".resumed.history", resumedHistory.Select(Row));
        }
        return 0;

        static string Row(EpochResult e) => FormattableString.Invariant($"epoch {e.Epoch}: loss {e.Loss:R}, accuracy {e.Accuracy:R}");
    }

    /// <summary>
    /// benchmarks/distributed/scaling.sh: two epochs of <paramref name="batches"/> steps at <paramref name="batch"/> samples
    /// per rank on <paramref name="threads"/> threads; rank 0 prints the second epoch's img/s (all ranks together) and the
    /// time spent in all-reduce (the slowest rank's: in MPI calls, so with buckets the part not overlapped with backward).
    /// With <paramref name="bucketBytes"/>, the network signals its gradients and they are all-reduced in buckets of that size.
    /// </summary>
    private static int Bench(MpiCollectives world, int batch, int threads, int batches, long? bucketBytes)
    {
        var timed = new TimedCollectives(world);
        ImageDataset data = Training.Data(batches * batch * world.WorldSize);
        using var backend = new CpuBackend(CpuKernels.Fast, threads);
        using var network = new TutorialNet(batch, bucketBytes is null ? backend : new GradientSignallingBackend(backend), seed: 1);
        var options = new FitOptions { Optimizer = new Sgd(network, 0.05f), Epochs = 1, BatchSize = batch, Seed = 1, Distributed = timed, GradientBucketBytes = bucketBytes ?? 25L << 20 };
        network.Fit(data, null, options);
        timed.Reset();
        EpochResult epoch = network.Fit(data, null, options)[0];
        double mine = timed.AllReduceSeconds;
        // The slowest rank's all-reduce time, gathered by broadcasting each rank's in turn.
        double max = 0;
        for (int r = 0; r < world.WorldSize; r++)
        {
            float[] value = [(float)mine];
            world.Broadcast(value, r);
            max = Math.Max(max, value[0]);
        }
        if (world.Rank == 0)
            Console.WriteLine(FormattableString.Invariant(
                $"ranks {world.WorldSize} x threads {threads}, batch {batch}/rank{(bucketBytes is long b ? $", buckets of {b >> 10} KiB" : "")}: {epoch.ImagesPerSecond:F0} img/s, {epoch.Seconds:F2} s for {batches} steps, all-reduce {max:F3} s ({100 * max / epoch.Seconds:F1} %), {network.Gradients.Length * 4 / 1024.0 / 1024.0:F2} MiB of gradients per step"));
        return 0;
    }

    /// <summary>
    /// The rank <paramref name="staller"/> stalls (sleeps <paramref name="seconds"/>, outside MPI) while the others wait for it
    /// in a non-blocking all-reduce; their bounded wait must end the whole job, the staller included, with an error that says so.
    /// </summary>
    private static int Stall(MpiCollectives world, int staller, double seconds)
    {
        float[] values = new float[1000];
        world.AllReduce(values.AsSpan(0, 1), ReduceOp.Sum); // every rank is up
        if (world.Rank == staller)
        {
            Console.Error.WriteLine($"rank {staller}: stalling for {seconds} s");
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
        }
        world.StartAllReduce(values, 0, values.Length).Wait();
        Console.WriteLine($"rank {world.Rank}: should never get here");
        return 0;
    }

    /// <summary>
    /// The rank <paramref name="victim"/> dies mid-job, by exit code 42 (<paramref name="how"/> = exit) or
    /// SIGKILL (kill), without finalising MPI; the others wait in an all-reduce it never joins.
    /// </summary>
    private static int Crash(MpiCollectives world, int victim, string how)
    {
        float[] values = new float[16];
        world.AllReduce(values, ReduceOp.Sum);
        if (world.Rank == victim)
        {
            Console.Error.WriteLine($"rank {victim}: dying ({how})");
            Console.Error.Flush();
            if (how == "kill") Process.GetCurrentProcess().Kill();
            Environment.Exit(42);
        }
        world.AllReduce(values, ReduceOp.Sum);
        Console.WriteLine($"rank {world.Rank}: should never get here");
        return 0;
    }
}

/// <summary>The equivalence experiment's training, shared by the in-process reference and the ranks.</summary>
internal static class Training
{
    public const ulong Seed = 7;

    /// <summary>Deterministic synthetic 1×28×28 images in 10 classes: a class-dependent pattern plus seeded noise.</summary>
    public static ImageDataset Data(int count)
    {
        float[] pixels = new float[count * 28 * 28];
        int[] labels = new int[count];
        var random = new Random(12345);
        for (int i = 0; i < count; i++)
        {
            int label = i % 10;
            labels[i] = label;
            for (int p = 0; p < 28 * 28; p++)
            {
                int y = p / 28, x = p % 28;
                float pattern = ((x + label * 3) / 7 + y / 7) % 2 == 0 ? 0.8f : 0.1f;
                pixels[i * 784 + p] = pattern + 0.2f * (float)random.NextDouble();
            }
        }
        return new ImageDataset(pixels, labels, new TensorShape(1, 28, 28), Enumerable.Range(0, 10).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>
    /// <paramref name="steps"/> plain SGD steps (learning rate 0.05) at <paramref name="batch"/> samples per rank,
    /// on one thread, from the same seeded initialisation; one epoch of steps × batch × world size samples.
    /// Returns the parameters (<see cref="Run"/>), or with <see cref="RunBatchNorm"/> the batch-norm variant's
    /// parameters and buffers (running statistics), its batch norms synchronized over the ranks.
    /// </summary>
    /// <param name="bucketBytes">When set, the network is built on a <see cref="GradientSignallingBackend"/> and its gradients are all-reduced in buckets of this size.</param>
    public static float[] Run(ICollectives? world, int batch, int steps, long? bucketBytes = null) => Train(world, batch, steps, batchNorm: false, bucketBytes).Parameters;

    /// <inheritdoc cref="Run"/>
    public static (float[] Parameters, float[] Buffers) RunBatchNorm(ICollectives? world, int batch, int steps) => Train(world, batch, steps, batchNorm: true, bucketBytes: null);

    private static (float[] Parameters, float[] Buffers) Train(ICollectives? world, int batch, int steps, bool batchNorm, long? bucketBytes)
    {
        int worldSize = world?.WorldSize ?? 1;
        ImageDataset data = Data(steps * batch * worldSize);
        using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
        Cnn.Backends.IBackend backend = batchNorm && world is not null ? new SynchronizedBatchNormBackend(cpu, world) : cpu;
        if (bucketBytes is not null) backend = new GradientSignallingBackend(backend);
        // Ranks other than 0 start from another seed: the broadcast must overwrite their parameters.
        ulong seed = world is { Rank: > 0 } ? 99UL : 1UL;
        using INetwork network = batchNorm ? new MnistBnNet(batch, backend, seed) : new TutorialNet(batch, backend, seed);
        var options = new FitOptions
        {
            Optimizer = new Sgd(network, learningRate: 0.05f),
            Epochs = 1,
            BatchSize = batch,
            Shuffle = true,
            Seed = Seed,
            Distributed = world,
        };
        if (bucketBytes is long bytes) options = options with { GradientBucketBytes = bytes };
        IReadOnlyList<EpochResult> history = network.Fit(data, validation: null, options);
        if (world is null || world.Rank == 0) Console.WriteLine(FormattableString.Invariant($"trained {steps} steps: loss {history[0].Loss:F6}, accuracy {history[0].Accuracy:F4}"));
        float[] parameters = new float[network.Parameters.Length], buffers = new float[network.Buffers.Length];
        cpu.Download(network.Parameters, parameters);
        if (buffers.Length > 0) cpu.Download(network.Buffers, buffers);
        return (parameters, buffers);
    }

    public static void Write(string path, float[] values)
    {
        using var stream = File.Create(path);
        stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
    }

    public static float[] Read(string path) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}

/// <summary>The Fashion-MNIST comparison's training, shared by the in-process run and the ranks.</summary>
internal static class FashionMnistRun
{
    public const int GlobalBatch = 64;

    /// <summary>
    /// Trains the tutorial network one epoch (plain SGD, learning rate 0.05, seed 1) on the first
    /// <paramref name="limit"/> training images at <see cref="GlobalBatch"/> / world size per rank, on one thread,
    /// and returns its accuracy on the 10,000 test images (every rank evaluates; they hold the same weights).
    /// </summary>
    public static double Accuracy(ICollectives? world, int limit)
    {
        int batch = GlobalBatch / (world?.WorldSize ?? 1);
        ImageDataset train = Cnn.Data.FashionMnist.Load(Cnn.Data.FashionMnist.DefaultDirectory, train: true, limit);
        ImageDataset test = Cnn.Data.FashionMnist.Load(Cnn.Data.FashionMnist.DefaultDirectory, train: false);
        using var backend = new CpuBackend(CpuKernels.Fast, threads: 1);
        using var network = new TutorialNet(batch, backend, seed: 1);
        var options = new FitOptions
        {
            Optimizer = new Sgd(network, learningRate: 0.05f),
            Epochs = 1,
            BatchSize = batch,
            Seed = 1,
            Normalization = Normalization.FashionMnist,
            Distributed = world,
        };
        network.Fit(train, validation: null, options);
        return network.Evaluate(test, normalization: Normalization.FashionMnist).Accuracy;
    }
}

/// <summary>
/// Counts the seconds spent in <see cref="ICollectives.AllReduce(Span{float}, ReduceOp)"/> (floats and doubles) and in starting,
/// testing and waiting for <see cref="ICollectives.StartAllReduce"/>'s reductions, for the benchmark.
/// </summary>
internal sealed class TimedCollectives(ICollectives inner) : ICollectives
{
    private readonly Stopwatch _clock = new();

    public double AllReduceSeconds => _clock.Elapsed.TotalSeconds;

    public int Rank => inner.Rank;

    public int WorldSize => inner.WorldSize;

    public void Reset() => _clock.Reset();

    public void AllReduce(Span<float> values, ReduceOp op)
    {
        _clock.Start();
        inner.AllReduce(values, op);
        _clock.Stop();
    }

    public void AllReduce(Span<double> values, ReduceOp op)
    {
        _clock.Start();
        inner.AllReduce(values, op);
        _clock.Stop();
    }

    public IPendingReduction StartAllReduce(float[] buffer, int offset, int count)
    {
        _clock.Start();
        IPendingReduction pending = inner.StartAllReduce(buffer, offset, count);
        _clock.Stop();
        return new TimedReduction(pending, _clock);
    }

    public void Broadcast(Span<float> values, int root) => inner.Broadcast(values, root);

    public void Barrier() => inner.Barrier();

    private sealed class TimedReduction(IPendingReduction inner, Stopwatch clock) : IPendingReduction
    {
        public bool Test()
        {
            clock.Start();
            bool done = inner.Test();
            clock.Stop();
            return done;
        }

        public void Wait()
        {
            clock.Start();
            inner.Wait();
            clock.Stop();
        }
    }

    public void Dispose()
    {
    }
}

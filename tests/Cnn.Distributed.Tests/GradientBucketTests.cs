using Cnn.Backends.Cpu;
using Cnn.Training;
using Xunit.Abstractions;

namespace Cnn.Distributed.Tests;

public sealed class GradientBucketTests(ITestOutputHelper output)
{
    private const long Cap = 1L << 20;

    [Fact]
    public void Assign_OnResNet18_CutsWholeTensorsInReverseOrder_ClosingAtTheCap_AndCoversTheBuffer()
    {
        using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
        using var network = new SmallResNet18(2, cpu, seed: 1);
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        GradientBuckets.Bucket[] buckets = GradientBuckets.Assign(infos, network.Gradients.Length, Cap);
        output.WriteLine($"{infos.Count} tensors, {network.Gradients.Length * 4.0 / (1 << 20):F1} MiB: {buckets.Length} buckets of at least 1 MiB");

        // Bucket 0 ends the buffer, each next one ends where the previous starts, and the last starts at 0.
        int end = network.Gradients.Length, nextLast = infos.Count - 1;
        foreach (GradientBuckets.Bucket bucket in buckets)
        {
            Assert.Equal(end, bucket.Start + bucket.Length);
            Assert.Equal(nextLast, bucket.Last);
            Assert.Equal(bucket.First == 0 ? 0 : infos[bucket.First].Offset, bucket.Start);
            long bytes = 4L * bucket.Length, withoutFirst = 4L * (end - (bucket.First == bucket.Last ? end : infos[bucket.First + 1].Offset));
            // Closed at the cap: it holds the cap (but the last, which takes what is left), and holds less without its first tensor.
            if (bucket.First > 0) Assert.True(bytes >= Cap, $"Bucket [{bucket.First}, {bucket.Last}] closed at {bytes} bytes, under the cap.");
            Assert.True(withoutFirst < Cap, $"Bucket [{bucket.First}, {bucket.Last}] would hold the cap without '{infos[bucket.First].Name}'.");
            end = bucket.Start;
            nextLast = bucket.First - 1;
        }
        Assert.Equal(0, end);
        Assert.Equal(-1, nextLast);
        Assert.True(buckets.Length > 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientBuckets.Assign(infos, network.Gradients.Length, 0));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void ResNet18Backward_StartsEachBucketOnlyWhenAllItsTensorsAreFinal_InBucketOrder(int frozenPrefix)
    {
        const int Batch = 2;
        using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
        var signalling = new GradientSignallingBackend(cpu);
        using var network = new SmallResNet18(Batch, signalling, seed: 1);
        for (int p = 0; p < frozenPrefix; p++) network.FrozenParameters[p] = true;
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        var world = new RecordingCollectives();
        var buckets = new GradientBuckets(network, world, new float[network.Gradients.Length + 4], Cap);
        var signalled = new List<int>();
        world.Signalled = signalled;
        signalling.Listener = new Recorder(buckets, signalled, infos);

        var random = new Random(3);
        float[] images = Enumerable.Range(0, Batch * 3 * 32 * 32).Select(_ => (float)random.NextDouble()).ToArray();
        float[] labels = [3, 7];
        network.Training = true;
        TrainingStep.ForwardAndLoss(network, Cnn.Losses.Loss.For(network), images, labels, Batch);
        buckets.Begin(Batch);
        network.Backward(Batch);
        int signals = signalled.Count;
        buckets.Finish(Batch);
        buckets.WaitAll();

        // Every trainable tensor signalled once; the frozen ones not at all.
        Assert.Equal(Enumerable.Range(frozenPrefix, infos.Count - frozenPrefix).Order(), signalled.Order());
        // The generated backward runs the layers in reverse declaration order, shortcuts included, so here every layer's
        // gradients become final after those of the layers declared after it (out-of-order signals: the test below).
        int outOfOrder = signalled.Zip(signalled.Skip(1)).Count(pair => pair.Second > pair.First && infos[pair.Second].Layer != infos[pair.First].Layer);
        output.WriteLine($"frozen {frozenPrefix}: {signals} signals, {outOfOrder} layers final after a later-declared layer; {buckets.Buckets.Count} buckets, " +
            $"{world.Starts.Count(s => s.SignalsBefore < signals)} started during backward");

        // Every bucket started once, in bucket order, with its range, each when all its trainable tensors had signalled.
        Assert.Equal(buckets.Buckets.Select(b => (b.Start, b.Length)), world.Starts.Select(s => (s.Offset, s.Count)));
        for (int b = 0; b < buckets.Buckets.Count; b++)
        {
            GradientBuckets.Bucket bucket = buckets.Buckets[b];
            var before = signalled.Take(world.Starts[b].SignalsBefore).ToHashSet();
            for (int p = Math.Max(bucket.First, frozenPrefix); p <= bucket.Last; p++)
                Assert.True(before.Contains(p), $"Bucket {b} started before '{infos[p].Name}' was final.");
        }
        // All but the buckets that wait for the last tensors start during backward, where they overlap it.
        Assert.True(world.Starts.Count(s => s.SignalsBefore < signals) >= buckets.Buckets.Count - 2);
        // What a bucket reduces is this rank's final gradient × its sample count.
        float[] gradients = new float[network.Gradients.Length];
        cpu.Download(network.Gradients, gradients);
        for (int b = 0; b < buckets.Buckets.Count; b++)
        {
            GradientBuckets.Bucket bucket = buckets.Buckets[b];
            for (int i = 0; i < bucket.Length; i++)
            {
                if (bucket.First < frozenPrefix && i + bucket.Start < infos[frozenPrefix].Offset) continue;
                Assert.Equal(gradients[bucket.Start + i] * Batch, world.Starts[b].Values[i]);
            }
        }
    }

    [Fact]
    public void SignalsOutOfOrder_StartEachBucketWhenItAndEveryEarlierBucketAreComplete()
    {
        using var cpu = new CpuBackend(CpuKernels.Fast, threads: 1);
        using var network = new SmallResNet18(1, cpu, seed: 1);
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        var world = new RecordingCollectives();
        var buckets = new GradientBuckets(network, world, new float[network.Gradients.Length + 4], Cap);
        int[] order = [.. Enumerable.Range(0, infos.Count)];
        new Random(5).Shuffle(order);

        buckets.Begin(1);
        var seen = new HashSet<int>();
        foreach (int p in order)
        {
            buckets.Ready(network.Gradients.Slice(checked((int)infos[p].Offset), infos[p].Length));
            buckets.Ready(network.Gradients.Slice(checked((int)infos[p].Offset), infos[p].Length)); // a second signal changes nothing
            seen.Add(p);
            // Reference: the longest run of buckets from 0 whose tensors (those whose offset lies in the bucket's range) have all been seen.
            int complete = 0;
            while (complete < buckets.Buckets.Count && Enumerable.Range(0, infos.Count)
                       .Where(i => infos[i].Offset >= buckets.Buckets[complete].Start && infos[i].Offset < buckets.Buckets[complete].Start + buckets.Buckets[complete].Length)
                       .All(seen.Contains))
                complete++;
            Assert.Equal(complete, world.Starts.Count);
        }
        Assert.Equal(buckets.Buckets.Select(b => (b.Start, b.Length)), world.Starts.Select(s => (s.Offset, s.Count)));
        Assert.Throws<InvalidOperationException>(() => buckets.Ready(network.Gradients.Slice(checked((int)infos[3].Offset) + 1, 4)));
    }

    /// <summary>Logs which parameter each signal is for, then passes it on.</summary>
    private sealed class Recorder(IGradientListener inner, List<int> signalled, IReadOnlyList<ParameterInfo> infos) : IGradientListener
    {
        public void Ready(Tensor gradient)
        {
            signalled.Add(infos.Select((p, i) => (p, i)).Single(x => x.p.Offset == gradient.Offset).i);
            inner.Ready(gradient);
        }
    }

    /// <summary>Rank 0 of 2 whose reductions complete at once and leave values as they are; records each start and how many signals preceded it.</summary>
    private sealed class RecordingCollectives : ICollectives
    {
        public List<int> Signalled { get; set; } = [];

        public List<(int Offset, int Count, int SignalsBefore, float[] Values)> Starts { get; } = [];

        public int Rank => 0;

        public int WorldSize => 2;

        public void AllReduce(Span<float> values, ReduceOp op)
        {
        }

        public void AllReduce(Span<double> values, ReduceOp op)
        {
        }

        public void Broadcast(Span<float> values, int root)
        {
        }

        public void Barrier()
        {
        }

        public IPendingReduction StartAllReduce(float[] buffer, int offset, int count)
        {
            Starts.Add((offset, count, Signalled.Count, buffer.AsSpan(offset, count).ToArray()));
            return new Pending();
        }

        public void Dispose()
        {
        }

        private sealed class Pending : IPendingReduction
        {
            public bool Test() => true;

            public void Wait()
            {
            }
        }
    }
}

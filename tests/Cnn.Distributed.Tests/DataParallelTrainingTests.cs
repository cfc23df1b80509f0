using Xunit.Abstractions;

namespace Cnn.Distributed.Tests;

public sealed class DataParallelTrainingTests(ITestOutputHelper output)
{
    private const int Steps = 20;

    [MpiFact]
    public void TwoRanksOfBatch32_MatchOneRankOfBatch64_After20SgdSteps()
    {
        float[] expected = Training.Run(world: null, batch: 64, Steps);
        string path = Path.Combine(Path.GetTempPath(), $"cnn-dp-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        try
        {
            MpiRun.Result result = MpiRun.Run(2, "train", "32", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), path);
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
            float[] actual = Training.Read(path);
            Assert.Equal(expected.Length, actual.Length);

            (double maxRelative, double maxAbsolute, double scale, double changed) = Compare(expected, actual, InitialParameters(batchNorm: false));
            output.WriteLine($"{expected.Length} parameters: max |Δ| {maxAbsolute:E3}, max |Δ| / max |w| {maxAbsolute / scale:E3}, " +
                $"max elementwise relative (|w| ≥ 1e-3) {maxRelative:E3}; the 20 steps moved them by up to {changed:E3}");
            Assert.True(maxRelative <= 1e-5, $"The parameters differ by up to {maxRelative:E3} relative (max |Δ| {maxAbsolute:E3}).");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [MpiFact]
    public void GradientBucketsOverlappedWithBackward_GiveBitwiseTheOneAllReducesParameters_AndMatchOneRankOfBatch64()
    {
        const long BucketBytes = 64 << 10;
        float[] expected = Training.Run(world: null, batch: 64, Steps);
        string path = Path.Combine(Path.GetTempPath(), $"cnn-dp-buckets-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        try
        {
            MpiRun.Result result = MpiRun.Run(2, "train-buckets", "32", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                BucketBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), path);
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
            float[] bucketed = Training.Read(path), single = Training.Read(path + ".single");

            int buckets;
            using (var backend = new Cnn.Backends.Cpu.CpuBackend(Cnn.Backends.Cpu.CpuKernels.Fast, threads: 1))
            using (var network = new TutorialNet(1, backend, seed: 1))
                buckets = Cnn.Training.GradientBuckets.Assign(network.ParameterInfos, network.Gradients.Length, BucketBytes).Length;
            int differing = bucketed.Zip(single).Count(pair => BitConverter.SingleToInt32Bits(pair.First) != BitConverter.SingleToInt32Bits(pair.Second));
            (double maxRelative, double maxAbsolute, double scale, double changed) = Compare(expected, bucketed, InitialParameters(batchNorm: false));
            output.WriteLine($"{buckets} buckets of 64 KiB; {differing} of {bucketed.Length} parameters differ bitwise from the one all-reduce's; against 1 × 64: " +
                $"max |Δ| {maxAbsolute:E3}, max |Δ| / max |w| {maxAbsolute / scale:E3}, max elementwise relative (|w| ≥ 1e-3) {maxRelative:E3}; moved by up to {changed:E3}");
            Assert.True(buckets >= 3, $"Only {buckets} bucket(s): the test wants several.");
            Assert.Equal(single.Length, bucketed.Length);
            Assert.Equal(0, differing);
            Assert.True(maxRelative <= 1e-5, $"The parameters differ by up to {maxRelative:E3} relative (max |Δ| {maxAbsolute:E3}).");
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".single");
        }
    }

    [MpiFact]
    public void TwoRanksOfBatch32WithSynchronizedBatchNorm_MatchOneRankOfBatch64_After20SgdSteps()
    {
        (float[] expected, float[] expectedBuffers) = Training.RunBatchNorm(world: null, batch: 64, Steps);
        string path = Path.Combine(Path.GetTempPath(), $"cnn-dp-bn-{Environment.ProcessId}-{Guid.NewGuid():N}.bin");
        try
        {
            MpiRun.Result result = MpiRun.Run(2, "train-bn", "32", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), path);
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
            float[] actual = Training.Read(path), actualBuffers = Training.Read(path + ".buffers");
            Assert.Equal(expected.Length, actual.Length);
            Assert.Equal(expectedBuffers.Length, actualBuffers.Length);

            (double maxRelative, double maxAbsolute, double scale, double changed) = Compare(expected, actual, InitialParameters(batchNorm: true));
            output.WriteLine($"{expected.Length} parameters: max |Δ| {maxAbsolute:E3}, max |Δ| / max |w| {maxAbsolute / scale:E3}, " +
                $"max elementwise relative (|w| ≥ 1e-3) {maxRelative:E3}; the 20 steps moved them by up to {changed:E3}");
            Assert.True(maxRelative <= 1e-5, $"The parameters differ by up to {maxRelative:E3} relative (max |Δ| {maxAbsolute:E3}).");

            // The running statistics, per tensor: relative to the tensor's largest value, because a running mean near 0
            // (bn3's, after a linear layer) has no element-wise relative precision to speak of; the element-wise figure is printed too.
            float[] initialBuffers = InitialBuffers(out IReadOnlyList<ParameterInfo> infos);
            foreach (ParameterInfo info in infos)
            {
                float[] e = expectedBuffers.AsSpan((int)info.Offset, info.Length).ToArray(), a = actualBuffers.AsSpan((int)info.Offset, info.Length).ToArray();
                if (info.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                {
                    Assert.Equal(e, a);
                    continue;
                }
                (double relative, double absolute, double largest, double moved) = Compare(e, a, initialBuffers.AsSpan((int)info.Offset, info.Length).ToArray());
                output.WriteLine($"{info.Name} ({info.Length}): max |Δ| {absolute:E3}, max |Δ| / max |value| {absolute / largest:E3}, " +
                    $"element-wise relative (floor 1e-3) {relative:E3}; moved by up to {moved:E3}");
                Assert.True(absolute / largest <= 1e-5, $"{info.Name} differs by up to {absolute:E3}, {absolute / largest:E3} of its largest value {largest:E3}.");
            }
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".buffers");
        }
    }

    /// <summary>
    /// The largest element-wise relative difference, |a − b| / max(|b|, 1e-3) (a floor, so that weights
    /// that pass near zero do not divide by nothing), the largest absolute one, the largest |b|, and how
    /// far training moved the values from <paramref name="initial"/> (to show the test is not comparing untrained networks).
    /// </summary>
    private static (double MaxRelative, double MaxAbsolute, double Scale, double Changed) Compare(float[] expected, float[] actual, float[] initial)
    {
        double maxRelative = 0, maxAbsolute = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            maxAbsolute = Math.Max(maxAbsolute, difference);
            maxRelative = Math.Max(maxRelative, difference / Math.Max(Math.Abs(expected[i]), 1e-3));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        double changed = 0;
        for (int i = 0; i < expected.Length; i++) changed = Math.Max(changed, Math.Abs(expected[i] - initial[i]));
        return (maxRelative, maxAbsolute, scale, changed);
    }

    private static float[] InitialParameters(bool batchNorm)
    {
        using var backend = new Cnn.Backends.Cpu.CpuBackend(Cnn.Backends.Cpu.CpuKernels.Fast, threads: 1);
        using INetwork network = batchNorm ? new MnistBnNet(1, backend, seed: 1) : new TutorialNet(1, backend, seed: 1);
        float[] values = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, values);
        return values;
    }

    private static float[] InitialBuffers(out IReadOnlyList<ParameterInfo> infos)
    {
        using var backend = new Cnn.Backends.Cpu.CpuBackend(Cnn.Backends.Cpu.CpuKernels.Fast, threads: 1);
        using var network = new MnistBnNet(1, backend, seed: 1);
        infos = network.BufferInfos;
        float[] values = new float[network.Buffers.Length];
        network.Backend.Download(network.Buffers, values);
        return values;
    }
}

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

            (double maxRelative, double maxAbsolute, double scale, double changed) = Compare(expected, actual);
            output.WriteLine($"{expected.Length} parameters: max |Δ| {maxAbsolute:E3}, max |Δ| / max |w| {maxAbsolute / scale:E3}, " +
                $"max elementwise relative (|w| ≥ 1e-3) {maxRelative:E3}; the 20 steps moved them by up to {changed:E3}");
            Assert.True(maxRelative <= 1e-5, $"The parameters differ by up to {maxRelative:E3} relative (max |Δ| {maxAbsolute:E3}).");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The largest element-wise relative difference, |a − b| / max(|b|, 1e-3) (a floor, so that weights
    /// that pass near zero do not divide by nothing), the largest absolute one, the largest |b|, and how
    /// far training moved the weights (to show the test is not comparing untrained networks).
    /// </summary>
    private static (double MaxRelative, double MaxAbsolute, double Scale, double Changed) Compare(float[] expected, float[] actual)
    {
        double maxRelative = 0, maxAbsolute = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)expected[i] - actual[i]);
            maxAbsolute = Math.Max(maxAbsolute, difference);
            maxRelative = Math.Max(maxRelative, difference / Math.Max(Math.Abs(expected[i]), 1e-3));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        float[] initial = InitialParameters();
        double changed = 0;
        for (int i = 0; i < expected.Length; i++) changed = Math.Max(changed, Math.Abs(expected[i] - initial[i]));
        return (maxRelative, maxAbsolute, scale, changed);
    }

    private static float[] InitialParameters()
    {
        using var network = new TutorialNet(1, new Cnn.Backends.Cpu.CpuBackend(Cnn.Backends.Cpu.CpuKernels.Fast, threads: 1), seed: 1);
        float[] values = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, values);
        return values;
    }
}

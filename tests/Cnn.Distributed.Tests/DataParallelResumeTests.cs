using Cnn.Backends.Cpu;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit.Abstractions;

namespace Cnn.Distributed.Tests;

public sealed class DataParallelResumeTests(ITestOutputHelper output)
{
    [MpiFact]
    public void TwoRanks_CancelledMidEpochAndResumed_MatchAnUninterruptedRunBitwise()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"cnn-dp-resume-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string prefix = directory + "-out";
        try
        {
            MpiRun.Result result = MpiRun.Run(2, "resume", directory, prefix);
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");

            float[] full = Training.Read(prefix + ".full");
            float[] resumed = Training.Read(prefix + ".resumed");
            string[] fullHistory = File.ReadAllLines(prefix + ".full.history");
            string[] resumedHistory = File.ReadAllLines(prefix + ".resumed.history");
            output.WriteLine(string.Join('\n', fullHistory));
            Assert.Equal(2, fullHistory.Length);
            Assert.Equal(fullHistory, resumedHistory);
            Assert.Equal(full.Length, resumed.Length);
            int differing = full.Where((value, i) => BitConverter.SingleToInt32Bits(value) != BitConverter.SingleToInt32Bits(resumed[i])).Count();
            Assert.True(differing == 0, $"{differing} of {full.Length} parameters differ between the uninterrupted and the resumed run.");

            // The checkpoint records its world size, and a run of another size refuses it before touching the network.
            using var backend = new CpuBackend(CpuKernels.Fast, threads: 1);
            using var network = new TutorialNet(16, backend, seed: 3);
            float[] before = new float[network.Parameters.Length];
            backend.Download(network.Parameters, before);
            var options = new FitOptions { Optimizer = new Adam(network, 1e-3f), Epochs = 2, BatchSize = 16, Seed = Training.Seed, ResumeFrom = directory };
            ArgumentException error = Assert.Throws<ArgumentException>(() => network.Fit(Training.Data(5 * 16), null, options));
            output.WriteLine(error.Message);
            Assert.Contains(Path.Combine(directory, TrainingCheckpoint.StateFileName), error.Message);
            Assert.Contains("2 rank(s)", error.Message);
            Assert.Contains("this run has 1", error.Message);
            float[] after = new float[network.Parameters.Length];
            backend.Download(network.Parameters, after);
            Assert.Equal(before, after);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            foreach (string file in Directory.EnumerateFiles(Path.GetDirectoryName(prefix)!, Path.GetFileName(prefix) + ".*")) File.Delete(file);
        }
    }
}

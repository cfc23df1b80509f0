using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

/// <summary>One trainer per checkpoint folder: a second one fails fast, naming the folder and the holder.</summary>
public sealed class CheckpointLockTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public void SecondTrainerOnOneFolder_FailsFast_NamingTheFolderAndTheHoldersProcess()
    {
        using var directory = new TrainingData.TempDirectory();
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        Exception? firstError = null;
        var first = new Thread(() =>
        {
            try
            {
                using var network = new PatternNet(10, seed: 4);
                using var optimizer = new Adam(network, 0.02f);
                var hold = new LambdaCallback { BatchEnd = (_, b) => { if (b.Step == 1) { inside.Set(); release.Wait(HangGuard); } } };
                network.Fit(CheckpointFiles.Train, null, CheckpointFiles.Options(optimizer) with
                {
                    Epochs = 2, CheckpointDirectory = directory.Path, CheckpointEveryEpoch = true, Callbacks = [hold],
                });
            }
            catch (Exception e) { firstError = e; }
        });
        first.Start();
        try
        {
            Assert.True(inside.Wait(HangGuard), "hang guard");
            using var network = new PatternNet(10, seed: 5);
            using var optimizer = new Adam(network, 0.02f);
            float[] before = TrainingData.Parameters(network);

            var error = Assert.Throws<IOException>(() => network.Fit(CheckpointFiles.Train, null,
                CheckpointFiles.Options(optimizer) with { CheckpointDirectory = directory.Path, CheckpointEveryEpoch = true }));

            Assert.Contains(directory.Path, error.Message);
            Assert.Contains($"process {Environment.ProcessId}", error.Message);
            Assert.Equal(before, TrainingData.Parameters(network));
            // The refused trainer left the holder's claim in place: a third is refused too.
            Assert.Throws<IOException>(() => network.Fit(CheckpointFiles.Train, null,
                CheckpointFiles.Options(optimizer) with { CheckpointDirectory = directory.Path }));
        }
        finally
        {
            release.Set();
            Assert.True(first.Join(HangGuard), "hang guard");
        }
        Assert.Null(firstError);

        // The lock ends with Fit: the folder takes the next trainer, and holds only the checkpoint.
        Assert.Equal(["model-00000008.safetensors", "optimizer-00000008.safetensors", "state.json"],
            Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
        using var next = new PatternNet(10, seed: 6);
        using var nextOptimizer = new Adam(next, 0.02f);
        next.Fit(CheckpointFiles.Train, null, CheckpointFiles.Options(nextOptimizer) with { Epochs = 3, ResumeFrom = directory.Path, CheckpointDirectory = directory.Path });
    }
}

using Xunit.Abstractions;

namespace Cnn.Distributed.Tests;

public sealed class MpiCollectivesTests(ITestOutputHelper output)
{
    [MpiTheory]
    [InlineData(2)]
    [InlineData(3)]
    public void AllReduceBroadcastAndBarrier_GiveTheRightValuesOnEveryRank(int ranks)
    {
        MpiRun.Result result = MpiRun.Run(ranks, "collectives");
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
        for (int rank = 0; rank < ranks; rank++) Assert.Contains($"rank {rank} of {ranks}: collectives ok", result.Output);
    }

    [MpiTheory]
    [InlineData("exit")]
    [InlineData("kill")]
    public void ARankThatDies_EndsTheJobWithAnErrorThatNamesIt_WithinTheBound(string how)
    {
        MpiRun.Result result = MpiRun.Run(3, "crash", "1", how);
        output.WriteLine($"exit code {result.ExitCode} after {result.Elapsed.TotalSeconds:F1} s:\n{result.Output}");
        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("should never get here", result.Output);
        // mpirun names the failed process: "Process name: [[job,1],1]" for an exit code, "process rank 1 ... exited on signal 9" for a kill.
        Assert.Matches(@"\[\[\d+,1\],1\]|process rank 1 ", result.Output);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(60), $"The job took {result.Elapsed.TotalSeconds:F0} s to end.");
    }

    [Fact]
    public void SingleProcessCollectives_LeaveValuesAsTheyAre()
    {
        using var single = new SingleProcessCollectives();
        float[] values = [1, 2, 3];
        single.AllReduce(values, ReduceOp.Sum);
        single.AllReduce(values, ReduceOp.Mean);
        single.Broadcast(values, 0);
        single.Barrier();
        Assert.Equal([1f, 2f, 3f], values);
        Assert.Equal((0, 1), (single.Rank, single.WorldSize));
    }
}

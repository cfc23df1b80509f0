using Cnn.Distributed.Mpi;
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

    [MpiFact]
    public void ARankThatStalls_MakesTheOthersEndTheJobWithinTheirTimeout_NamingTheCollectiveAndTheRank()
    {
        // Rank 1 sleeps 60 s outside MPI; rank 0 waits at most 2 s in the all-reduce, then ends the job, rank 1 included.
        MpiRun.Result result = MpiRun.Run(2, "stall", "2", "1", "60");
        output.WriteLine($"exit code {result.ExitCode} after {result.Elapsed.TotalSeconds:F1} s:\n{result.Output}");
        Assert.Contains("rank 1: stalling for 60 s", result.Output);
        Assert.Contains("MPI_Iallreduce of 1000 floats timed out on rank 0 of 2 after 2 s", result.Output);
        Assert.DoesNotContain("should never get here", result.Output);
        Assert.Equal(MpiCollectives.TimeoutErrorCode, result.ExitCode);
        Assert.True(result.Elapsed >= TimeSpan.FromSeconds(2), $"The job ended after {result.Elapsed.TotalSeconds:F1} s, before the 2 s timeout.");
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(30), $"The job took {result.Elapsed.TotalSeconds:F0} s to end; the staller sleeps 60 s.");
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

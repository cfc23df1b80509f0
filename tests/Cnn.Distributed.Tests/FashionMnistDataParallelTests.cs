using System.Diagnostics;
using System.Globalization;
using Cnn.Data;
using Xunit.Abstractions;

namespace Cnn.Distributed.Tests;

public sealed class FashionMnistDataParallelTests(ITestOutputHelper output)
{
    private const int Images = 20_000;

    [FashionMnistMpiFact]
    public void TwoRanksOfBatch32_ReachOneRankOfBatch64sTestAccuracy_WithinHalfAPoint()
    {
        var clock = Stopwatch.StartNew();
        double single = FashionMnistRun.Accuracy(world: null, Images);
        TimeSpan singleTime = clock.Elapsed;
        string path = Path.Combine(Path.GetTempPath(), $"cnn-dp-fashion-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            MpiRun.Result result = MpiRun.Run(2, "fashion", Images.ToString(CultureInfo.InvariantCulture), path);
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, $"mpirun exited with {result.ExitCode}:\n{result.Output}");
            double parallel = double.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture);
            double difference = 100 * (parallel - single);
            output.WriteLine(FormattableString.Invariant(
                $"first {Images} Fashion-MNIST images, 1 epoch; test accuracy on 10,000: 1 rank × 64 {100 * single:F2} % ({singleTime.TotalSeconds:F0} s), 2 ranks × 32 {100 * parallel:F2} % ({result.Elapsed.TotalSeconds:F0} s), Δ {difference:+0.00;-0.00} points"));
            // Trained at all: ten classes guessed would be 10 %.
            Assert.True(single > 0.7, $"The single-process run reached only {single:P2}.");
            Assert.True(Math.Abs(difference) <= 0.5, $"2 ranks reached {parallel:P2}, 1 rank {single:P2}: {difference:F2} points apart.");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>A test that needs mpirun and Fashion-MNIST in its default folder; skipped, with the reason, when either is missing.</summary>
public sealed class FashionMnistMpiFactAttribute : FactAttribute
{
    public FashionMnistMpiFactAttribute()
    {
        if (MpiRun.Path is null) Skip = MpiRun.SkipReason;
        else if (!File.Exists(Path.Combine(Cnn.Data.FashionMnist.DefaultDirectory, "t10k-labels-idx1-ubyte.gz")))
            Skip = $"Fashion-MNIST is not in {Cnn.Data.FashionMnist.DefaultDirectory}: apt-get install dataset-fashion-mnist (tests/prerequisites.sh).";
    }
}

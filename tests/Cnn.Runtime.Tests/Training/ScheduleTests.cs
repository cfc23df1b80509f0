using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

/// <summary>
/// Each schedule against PyTorch's own formulas (torch/optim/lr_scheduler.py), written out here
/// independently: StepLR's closed form, CosineAnnealingLR's recursive (chainable) form, and
/// OneCycleLR's phases at hand-picked points.
/// </summary>
public class ScheduleTests
{
    private static void Near(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}");

    [Fact]
    public void StepLR_MultipliesByGammaEveryStepSize()
    {
        var schedule = new StepLR(stepSize: 3, gamma: 0.5);
        // PyTorch: base_lr * gamma ** (last_epoch // step_size)
        double[] expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125];
        for (int t = 0; t < expected.Length; t++) Near(expected[t], schedule.LearningRateAt(t, 0.1), $"t={t}");
    }

    [Fact]
    public void CosineAnnealingLR_MatchesPyTorchsRecursiveForm()
    {
        const double baseLr = 0.1, etaMin = 0.001;
        const int tMax = 7;
        var schedule = new CosineAnnealingLR(tMax, etaMin);

        // CosineAnnealingLR.get_lr as PyTorch steps it, one epoch at a time, through two and a half periods.
        double lr = baseLr;
        for (int t = 0; t <= 2 * tMax + 4; t++)
        {
            if (t > 0)
            {
                if ((t - 1 - tMax) % (2 * tMax) == 0)
                    lr += (baseLr - etaMin) * (1 - Math.Cos(Math.PI / tMax)) / 2;
                else
                    lr = (1 + Math.Cos(Math.PI * t / tMax)) / (1 + Math.Cos(Math.PI * (t - 1) / tMax)) * (lr - etaMin) + etaMin;
            }
            Assert.True(Math.Abs(lr - schedule.LearningRateAt(t, baseLr)) < 1e-12, $"t={t}: {schedule.LearningRateAt(t, baseLr)}, PyTorch {lr}");
        }
        Near(etaMin, schedule.LearningRateAt(tMax, baseLr), "t=tMax");
    }

    [Fact]
    public void OneCycleLR_FollowsPyTorchsTwoPhaseCosineCycle()
    {
        // max_lr 1, total_steps 10, pct_start 0.3: initial 1/25 = 0.04, min 0.04/1e4 = 4e-6.
        // Phase 1 ends at step 0.3·10 − 1 = 2, phase 2 at 9.
        var schedule = new OneCycleLR(maxLr: 1, totalSteps: 10);
        Near(0.04, schedule.InitialLearningRate, "initial_lr");
        Near(4e-6, schedule.MinLearningRate, "min_lr");
        Near(0.04, schedule.LearningRateAt(0, 123), "t=0");
        Near(1 + (0.04 - 1) / 2 * (Math.Cos(Math.PI * 0.5) + 1), schedule.LearningRateAt(1, 123), "t=1"); // 0.52
        Near(0.52, schedule.LearningRateAt(1, 123), "t=1 by hand");
        Near(1, schedule.LearningRateAt(2, 123), "t=2 (the peak)");
        for (int t = 3; t <= 10; t++)
        {
            double pct = (t - 2) / 7.0;
            Near(4e-6 + (1 - 4e-6) / 2 * (Math.Cos(Math.PI * pct) + 1), schedule.LearningRateAt(t, 123), $"t={t}");
        }
        Near(4e-6, schedule.LearningRateAt(9, 123), "t=9 (the end)");
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.LearningRateAt(11, 123));
    }

    [Fact]
    public void OneCycleLR_LinearAndThreePhase()
    {
        // total 20, pct 0.25: phases end at 4, 8 (three-phase) and 19; initial 0.5/5 = 0.1, min 0.1/100 = 0.001.
        var linear = new OneCycleLR(maxLr: 0.5, totalSteps: 20, pctStart: 0.25, anneal: AnnealStrategy.Linear, divFactor: 5, finalDivFactor: 100);
        Near(0.1 + (0.5 - 0.1) * 2 / 4, linear.LearningRateAt(2, 0), "linear up");
        Near(0.5 + (0.001 - 0.5) * (10 - 4) / 15.0, linear.LearningRateAt(10, 0), "linear down");

        var three = new OneCycleLR(maxLr: 0.5, totalSteps: 20, pctStart: 0.25, anneal: AnnealStrategy.Linear, divFactor: 5, finalDivFactor: 100, threePhase: true);
        Near(0.5, three.LearningRateAt(4, 0), "peak");
        Near(0.5 + (0.1 - 0.5) * 2 / 4, three.LearningRateAt(6, 0), "back down");
        Near(0.1, three.LearningRateAt(8, 0), "initial again");
        Near(0.1 + (0.001 - 0.1) * (15 - 8) / 11.0, three.LearningRateAt(15, 0), "annihilation");
        Near(0.001, three.LearningRateAt(19, 0), "end");
    }

    [Fact]
    public void LambdaLR_ScalesTheInitialRate()
    {
        var schedule = new LambdaLR(t => 1.0 / (t + 1));
        Near(0.2 / 3, schedule.LearningRateAt(2, 0.2), "t=2");
    }

    [Theory]
    [InlineData(ScheduleInterval.Step)]
    [InlineData(ScheduleInterval.Epoch)]
    public void Schedules_SetTheRateEachStepOrEpochTrainsAt(ScheduleInterval interval)
    {
        Cnn.Data.ImageDataset train = TrainingData.Patterns(96, 1);
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.2f);
        var schedule = new CosineAnnealingLR(tMax: 5, etaMin: 0.01, interval);
        var used = new List<(int Epoch, long Step, double Rate)>();
        var recorder = new LambdaCallback { BatchEnd = (c, b) => used.Add((b.Epoch, b.Step, b.LearningRate)) };

        IReadOnlyList<EpochResult> history = network.Fit(train, null, new FitOptions { Optimizer = optimizer, Epochs = 3, BatchSize = 32, Callbacks = [schedule, recorder] });

        Assert.Equal(9, used.Count);
        foreach ((int epoch, long step, double rate) in used)
        {
            long t = interval == ScheduleInterval.Step ? step - 1 : epoch - 1;
            Assert.Equal((float)schedule.LearningRateAt(t, 0.2), (float)rate);
        }
        Assert.Equal(used.Where(u => u.Epoch == 2).Last().Rate, history[1].LearningRate);
    }

    [Fact]
    public void OneCycleLR_TakesTheRunsLength_AndRefusesACycleShorterThanTheRun()
    {
        Cnn.Data.ImageDataset train = TrainingData.Patterns(96, 1);
        using var network = new PatternNet(32, seed: 1);
        using var optimizer = new Sgd(network, 0.2f);
        var rates = new List<double>();
        var recorder = new LambdaCallback { BatchEnd = (c, b) => rates.Add(b.LearningRate) };
        var schedule = new OneCycleLR(maxLr: 1);

        network.Fit(train, null, new FitOptions { Optimizer = optimizer, Epochs = 4, BatchSize = 32, Callbacks = [schedule, recorder] });

        var reference = new OneCycleLR(maxLr: 1, totalSteps: 12);
        Assert.Equal(Enumerable.Range(0, 12).Select(t => (float)reference.LearningRateAt(t, 0)), rates.Select(r => (float)r));

        using var optimizer2 = new Sgd(network, 0.2f);
        var error = Assert.Throws<InvalidOperationException>(() =>
            network.Fit(train, null, new FitOptions { Optimizer = optimizer2, Epochs = 4, BatchSize = 32, Callbacks = [new OneCycleLR(1, totalSteps: 10)] }));
        Assert.Contains("12", error.Message);
    }
}

using System.Diagnostics;
using Cnn;
using Cnn.Data;
using Cnn.Losses;
using Cnn.Optimizers;
using Cnn.Training;
using FineTuneSample.Networks;

namespace FineTuneSample;

/// <summary>
/// Times training steps (forward, loss, backward, Adam) of <see cref="HeadNet"/> with the body
/// frozen and with every parameter trainable, alternating rounds so that both see the same machine
/// load, and reports the median time per step of each and their ratio.
/// </summary>
internal static class StepTiming
{
    private const int Rounds = 5;

    public static void Compare(ImageDataset data, FineTuneOptions options, TextWriter output)
    {
        int batch = Math.Min(options.BatchSize, data.Count);
        float[] images = new float[batch * data.SampleShape.Size], labels = new float[batch];
        for (int i = 0; i < batch; i++)
        {
            data.GetImage(i).CopyTo(images.AsSpan(i * data.SampleShape.Size));
            labels[i] = data.GetLabel(i);
        }
        using var frozen = new HeadNet(batch, seed: options.Seed);
        using var trainable = new HeadNet(batch, seed: options.Seed);
        frozen.Freeze(BaseNet.Body);
        using var frozenAdam = new Adam(frozen, options.LearningRate);
        using var trainableAdam = new Adam(trainable, options.LearningRate);
        var frozenStep = new TrainingStep(frozen, new NllLoss(), frozenAdam);
        var trainableStep = new TrainingStep(trainable, new NllLoss(), trainableAdam);
        int steps = Math.Max(1, options.TimeSteps / Rounds);
        Time(frozenStep, images, labels, batch, 2); // warm up: first calls pack weights and size workspaces
        Time(trainableStep, images, labels, batch, 2);
        var frozenTimes = new List<double>();
        var trainableTimes = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            frozenTimes.Add(Time(frozenStep, images, labels, batch, steps));
            trainableTimes.Add(Time(trainableStep, images, labels, batch, steps));
        }
        double a = Median(frozenTimes), b = Median(trainableTimes);
        output.WriteLine($"step time, batch {batch}, median of {Rounds} rounds of {steps} steps on {Environment.ProcessorCount} cores: "
            + $"body frozen {a:F2} ms, all trainable {b:F2} ms; frozen is {b / a:F2}x faster");
    }

    private static double Time(TrainingStep step, float[] images, float[] labels, int batch, int steps)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) step.Run(images, labels, batch);
        return clock.Elapsed.TotalMilliseconds / steps;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}

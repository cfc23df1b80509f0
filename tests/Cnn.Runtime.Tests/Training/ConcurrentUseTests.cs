using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;

namespace Cnn.Runtime.Tests.Training;

/// <summary>A network instance is single-threaded: entering it from a second thread throws instead of answering wrong.</summary>
public sealed class ConcurrentUseTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>Serves batches of <paramref name="inner"/>, but stops before the second until released.</summary>
    private sealed class PausingSource(IBatchSource inner, ManualResetEventSlim paused, ManualResetEventSlim release) : IBatchSource
    {
        private int _batch;
        public int BatchSize => inner.BatchSize;
        public TensorShape SampleShape => inner.SampleShape;
        public int ImagesLength => inner.ImagesLength;
        public int BatchesPerEpoch => inner.BatchesPerEpoch;
        public void StartEpoch(int epoch) { _batch = 0; inner.StartEpoch(epoch); }

        public bool TryNext(Span<float> images, Span<float> labels, out int count)
        {
            if (++_batch == 2)
            {
                paused.Set();
                release.Wait(HangGuard);
            }
            return inner.TryNext(images, labels, out count);
        }
    }

    [Fact]
    public void Predict_WhileAnotherThreadEvaluates_Throws_SayingHowToServeInParallel()
    {
        ImageDataset data = TrainingData.Patterns(40, 3);
        using var network = new PatternNet(10, seed: 4);
        using var paused = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var source = new PausingSource(new BatchLoader(data, 10), paused, release);
        Evaluation? evaluation = null;
        var evaluator = new Thread(() => evaluation = network.Evaluate(source));
        evaluator.Start();
        try
        {
            Assert.True(paused.Wait(HangGuard), "hang guard");
            var error = Assert.Throws<InvalidOperationException>(() => network.Predict(data.GetImage(0), data.ClassNames));
            Assert.Contains("single-threaded", error.Message);
            Assert.Contains("one instance per thread", error.Message);
        }
        finally
        {
            release.Set();
            Assert.True(evaluator.Join(HangGuard), "hang guard");
        }
        Assert.Equal(40, evaluation!.Count);
        network.Predict(data.GetImage(0), data.ClassNames); // free again once the other call returned
    }

    [Fact]
    public void TrainingStep_WhileAnotherThreadEvaluates_Throws()
    {
        ImageDataset data = TrainingData.Patterns(40, 3);
        using var network = new PatternNet(10, seed: 4);
        using var optimizer = new Sgd(network, 0.1f);
        var step = new TrainingStep(network, Cnn.Losses.Loss.For(network), optimizer);
        using var paused = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var source = new PausingSource(new BatchLoader(data, 10), paused, release);
        var evaluator = new Thread(() => network.Evaluate(source));
        evaluator.Start();
        try
        {
            Assert.True(paused.Wait(HangGuard), "hang guard");
            float[] images = new float[10 * 16], labels = new float[10];
            Assert.Throws<InvalidOperationException>(() => step.Run(images, labels, 10));
        }
        finally
        {
            release.Set();
            Assert.True(evaluator.Join(HangGuard), "hang guard");
        }
    }

    [Fact]
    public void PredictFromTwoThreads_EveryAnswerIsRightOrRefused()
    {
        ImageDataset data = TrainingData.Patterns(20, 3);
        using var network = new PatternNet(10, seed: 4);
        float[][] expected = Enumerable.Range(0, data.Count).Select(i => network.PredictProbabilities(data.GetImage(i))).ToArray();
        int wrong = 0, refused = 0;
        using var start = new Barrier(2);
        Thread[] threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int k = 0; k < 500; k++)
            {
                int i = (k * 7 + t * 3) % data.Count;
                try
                {
                    if (!network.PredictProbabilities(data.GetImage(i)).AsSpan().SequenceEqual(expected[i])) Interlocked.Increment(ref wrong);
                }
                catch (InvalidOperationException) { Interlocked.Increment(ref refused); }
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) Assert.True(thread.Join(HangGuard), "hang guard");

        Assert.Equal(0, wrong);
    }
}

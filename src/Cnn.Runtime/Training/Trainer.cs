using System.Diagnostics;
using Cnn.Data;
using Cnn.Losses;

namespace Cnn.Training;

/// <summary>Keras-style training on any generated network: <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>.</summary>
public static class Trainer
{
    /// <summary>Trains for <see cref="FitOptions.Epochs"/> epochs and returns the per-epoch history of loss and accuracy.</summary>
    public static IReadOnlyList<EpochResult> Fit(this INetwork network, ImageDataset train, ImageDataset? validation, FitOptions options)
    {
        CheckCompatible(network, train, nameof(train));
        if (validation is not null) CheckCompatible(network, validation, nameof(validation));
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must be at least 1.");
        int batchSize = CheckBatchSize(network, options.BatchSize);

        ILoss loss = options.Loss ?? Loss.For(network);
        var step = new TrainingStep(network, loss, options.Optimizer);
        var loader = new BatchLoader(train, batchSize, options.Normalization, options.Shuffle, options.Seed);
        float[] images = new float[loader.ImagesLength];
        float[] labels = new float[batchSize];
        var history = new List<EpochResult>();
        int reportEvery = Math.Max(1, loader.BatchesPerEpoch / 50);

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            loader.StartEpoch(epoch - 1);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long correct = 0, seen = 0;
            int batch = 0;
            while (loader.TryNext(images, labels, out int count))
            {
                options.CancellationToken.ThrowIfCancellationRequested();
                (float batchLoss, int batchCorrect) = step.Run(images, labels, count);
                batch++;
                if (!float.IsFinite(batchLoss)) throw new TrainingDivergedException(epoch, batch, batchLoss);
                lossSum += batchLoss * count;
                correct += batchCorrect;
                seen += count;
                if (options.Progress is not null && batch % reportEvery == 0 && batch < loader.BatchesPerEpoch)
                {
                    options.Progress.Report(new TrainingProgress(epoch, options.Epochs, batch, loader.BatchesPerEpoch,
                        lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds, clock.Elapsed, EpochFinished: false));
                }
            }
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds;
            Evaluation? validated = validation is null ? null : network.Evaluate(validation, batchSize, options.Normalization, loss);
            var result = new EpochResult(epoch, lossSum / seen, (double)correct / seen, validated?.Loss, validated?.Accuracy,
                seconds, seen / seconds, options.Optimizer.LearningRate);
            history.Add(result);
            options.Progress?.Report(new TrainingProgress(epoch, options.Epochs, batch, loader.BatchesPerEpoch,
                result.Loss, result.Accuracy, result.ImagesPerSecond, clock.Elapsed, EpochFinished: true));
        }
        return history;
    }

    /// <summary>Mean loss and accuracy over <paramref name="data"/> in evaluation mode (no dropout, no parameter change).</summary>
    public static Evaluation Evaluate(this INetwork network, ImageDataset data, int? batchSize = null, Normalization? normalization = null, ILoss? loss = null)
    {
        CheckCompatible(network, data, nameof(data));
        int size = CheckBatchSize(network, batchSize ?? network.MaxBatchSize);
        loss ??= Loss.For(network);
        var loader = new BatchLoader(data, size, normalization);
        float[] images = new float[loader.ImagesLength];
        float[] labels = new float[size];
        float[] outputs = new float[size * network.OutputSize];
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            loader.StartEpoch(0);
            double lossSum = 0;
            long correct = 0;
            while (loader.TryNext(images, labels, out int count))
            {
                lossSum += TrainingStep.ForwardAndLoss(network, loss, images, labels, count) * (double)count;
                correct += TrainingStep.CountCorrect(network, labels, count, outputs);
            }
            return new Evaluation(lossSum / data.Count, (double)correct / data.Count, data.Count);
        }
        finally
        {
            network.Training = wasTraining;
        }
    }

    /// <summary>
    /// Classifies one sample given as raw values (normalised here when <paramref name="normalization"/> is given):
    /// the class index, its name, and the softmax confidence.
    /// </summary>
    public static Prediction Predict(this INetwork network, ReadOnlySpan<float> sample, IReadOnlyList<string> classNames, Normalization? normalization = null)
    {
        int inputSize = network.InputShape.Size;
        if (sample.Length != inputSize)
            throw new ArgumentException($"{network.ArchitectureName} takes samples of {network.InputShape} = {inputSize} values, not {sample.Length}.", nameof(sample));
        if (classNames.Count != network.OutputSize)
            throw new ArgumentException($"{network.ArchitectureName} has {network.OutputSize} outputs but {classNames.Count} class names were given.", nameof(classNames));

        float[] input = sample.ToArray();
        normalization?.Apply(sample, input, network.InputShape);
        float[] output = new float[network.OutputSize];
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            network.Backend.Upload(input, network.Input.Slice(0, inputSize));
            network.Forward(1);
            network.Backend.Download(network.Output.Slice(0, output.Length), output);
        }
        finally
        {
            network.Training = wasTraining;
        }
        int best = TrainingStep.ArgMax(output);
        return new Prediction(best, classNames[best], Confidence(output, best, network.OutputKind));
    }

    private static float Confidence(float[] output, int index, OutputKind kind)
    {
        switch (kind)
        {
            case OutputKind.Probabilities:
                return output[index];
            case OutputKind.LogProbabilities:
                return MathF.Exp(output[index]);
            default:
                double sum = 0;
                foreach (float v in output) sum += Math.Exp(v - output[index]);
                return (float)(1.0 / sum);
        }
    }

    private static void CheckCompatible(INetwork network, ImageDataset data, string name)
    {
        if (data.SampleShape.Size != network.InputShape.Size)
            throw new ArgumentException($"{network.ArchitectureName} takes inputs of shape {network.InputShape} but the {name} set holds samples of {data.SampleShape}.", name);
        if (data.ClassCount > network.OutputSize)
            throw new ArgumentException($"The {name} set has {data.ClassCount} classes but {network.ArchitectureName} has only {network.OutputSize} outputs.", name);
    }

    private static int CheckBatchSize(INetwork network, int batchSize)
    {
        if (batchSize < 1 || batchSize > network.MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{network.ArchitectureName} was built for batches of 1 to {network.MaxBatchSize}.");
        return batchSize;
    }
}

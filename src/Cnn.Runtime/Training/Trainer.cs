using Cnn.Data;
using Cnn.Losses;

namespace Cnn.Training;

/// <summary>Keras-style training on any generated network: <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c> and a confusion matrix.</summary>
public static partial class Trainer
{
    /// <summary>
    /// Trains for <see cref="FitOptions.Epochs"/> epochs, running <see cref="FitOptions.Callbacks"/>,
    /// and returns the per-epoch history. Batches come from <paramref name="train"/> in a seeded
    /// order per epoch (<see cref="FitOptions.Seed"/>), normalised with <see cref="FitOptions.Normalization"/>.
    /// </summary>
    /// <returns>One row per finished epoch; fewer than <see cref="FitOptions.Epochs"/> when a callback stopped training.</returns>
    /// <exception cref="TrainingDivergedException">A step's loss was not finite and no callback (such as <see cref="TerminateOnNaN"/>) stopped training.</exception>
    /// <exception cref="TrainingCanceledException">The cancellation token fired; a checkpoint was saved if <see cref="FitOptions.CheckpointDirectory"/> was set.</exception>
    /// <exception cref="IOException">Another trainer, in this process or another, is saving into <see cref="FitOptions.CheckpointDirectory"/>; the message names the folder and its process id.</exception>
    /// <exception cref="FormatException">The checkpoint of <see cref="FitOptions.ResumeFrom"/> is malformed; the message names the file and field, and the network is unchanged.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the network (see <see cref="INetwork"/>).</exception>
    public static IReadOnlyList<EpochResult> Fit(this INetwork network, ImageDataset train, ImageDataset? validation, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckCompatible(network, train, nameof(train));
        if (validation is not null) CheckCompatible(network, validation, nameof(validation));
        int batchSize = CheckBatchSize(network, options.BatchSize);
        // Data-parallel: rank r visits every world-size-th sample of the epoch's order, so that the ranks'
        // batches together are the single-process batch of BatchSize × world size.
        var loader = new BatchLoader(train, batchSize, options.Normalization, options.Shuffle, options.Seed,
            shard: options.Distributed?.Rank ?? 0, shards: options.Distributed?.WorldSize ?? 1);
        BatchLoader? validationLoader = validation is null ? null : new BatchLoader(validation, batchSize, options.Normalization);
        return Fit(network, loader, validationLoader, options);
    }

    /// <summary>
    /// Trains on batches from any source, such as a <see cref="PrefetchingLoader"/> that decodes and
    /// augments on workers. The sources own batch size, order and normalisation, so
    /// <see cref="FitOptions.BatchSize"/>, <see cref="FitOptions.Normalization"/> and
    /// <see cref="FitOptions.Shuffle"/> are not used; epoch <c>e</c> is started as <c>StartEpoch(e − 1)</c>.
    /// </summary>
    /// <inheritdoc cref="Fit(INetwork, ImageDataset, ImageDataset?, FitOptions)"/>
    public static IReadOnlyList<EpochResult> Fit(this INetwork network, IBatchSource train, IBatchSource? validation, FitOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must be at least 1.");
        CheckSource(network, train, nameof(train));
        if (validation is not null) CheckSource(network, validation, nameof(validation));
        if (train.BatchesPerEpoch < 1) throw new ArgumentException("The training data yields no batches.", nameof(train));
        return new TrainingRun(network, train, validation, options).Run();
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpointDirectory"/> (by a cancelled Fit, or
    /// after every epoch with <see cref="FitOptions.CheckpointEveryEpoch"/>) up to
    /// <see cref="FitOptions.Epochs"/> in total. Give the same data and options as the original run.
    /// </summary>
    /// <returns>The whole history, the epochs before the interruption included.</returns>
    public static IReadOnlyList<EpochResult> Resume(this INetwork network, string checkpointDirectory, ImageDataset train, ImageDataset? validation, FitOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointDirectory);
        ArgumentNullException.ThrowIfNull(options);
        return Fit(network, train, validation, options with { ResumeFrom = checkpointDirectory });
    }

    /// <summary>Mean loss and accuracy over <paramref name="data"/> in evaluation mode (no dropout, no parameter change).</summary>
    public static Evaluation Evaluate(this INetwork network, ImageDataset data, int? batchSize = null, Normalization? normalization = null, ILoss? loss = null)
    {
        CheckCompatible(network, data, nameof(data));
        int size = CheckBatchSize(network, batchSize ?? network.MaxBatchSize);
        return Evaluate(network, new BatchLoader(data, size, normalization), loss);
    }

    /// <summary>Mean loss and accuracy over one epoch of <paramref name="data"/> (started as epoch 0), in evaluation mode.</summary>
    /// <exception cref="ArgumentException">A sample holds a NaN or infinity; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The network's output is not finite (its weights blew up; the message names the tensor), or another thread is using the network.</exception>
    public static Evaluation Evaluate(this INetwork network, IBatchSource data, ILoss? loss = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        CheckSource(network, data, nameof(data));
        return EvaluateCore(network, data, loss ?? Loss.For(network), CancellationToken.None)!;
    }

    /// <summary>The evaluation loop; null when <paramref name="token"/> fired before it finished.</summary>
    internal static Evaluation? EvaluateCore(INetwork network, IBatchSource data, ILoss loss, CancellationToken token)
    {
        float[] images = new float[data.ImagesLength];
        float[] labels = new float[data.BatchSize];
        float[] outputs = new float[data.BatchSize * network.OutputSize];
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "Evaluate");
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            data.StartEpoch(0);
            double lossSum = 0;
            long correct = 0, count = 0;
            for (int batch = 1; ; batch++)
            {
                if (token.IsCancellationRequested) return null;
                if (!data.TryNext(images, labels, out int n)) break;
                float batchLoss = TrainingStep.ForwardAndLoss(network, loss, images, labels, n);
                if (!float.IsFinite(batchLoss)) throw NonFiniteOutput.For(network, "Evaluate", images, n, batch, data.BatchSize, batchLoss, nameof(data));
                lossSum += batchLoss * (double)n;
                correct += TrainingStep.CountCorrect(network, labels, n, outputs);
                count += n;
            }
            return new Evaluation(lossSum / count, (double)correct / count, checked((int)count));
        }
        finally
        {
            network.Training = wasTraining;
        }
    }

    /// <summary>
    /// Classifies every sample of <paramref name="data"/> in evaluation mode and counts (true class,
    /// predicted class) pairs, with a row and a column per class of the data set.
    /// </summary>
    public static ConfusionMatrix ConfusionMatrix(this INetwork network, ImageDataset data, int? batchSize = null, Normalization? normalization = null)
    {
        CheckCompatible(network, data, nameof(data));
        int size = CheckBatchSize(network, batchSize ?? network.MaxBatchSize);
        return ConfusionMatrix(network, new BatchLoader(data, size, normalization), data.ClassNames);
    }

    /// <summary>
    /// Classifies one epoch of <paramref name="data"/> (started as epoch 0) and counts (true class,
    /// predicted class) pairs. The prediction is the most probable of the <paramref name="classNames"/>.Count
    /// classes; outputs beyond them are never a target and are left out, as in <see cref="Predict"/>.
    /// </summary>
    public static ConfusionMatrix ConfusionMatrix(this INetwork network, IBatchSource data, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(classNames);
        CheckSource(network, data, nameof(data));
        if (classNames.Count > network.OutputSize)
            throw new ArgumentException($"{classNames.Count} class names were given but {network.ArchitectureName} has only {network.OutputSize} outputs.", nameof(classNames));
        var matrix = new ConfusionMatrix(classNames);

        int outputSize = network.OutputSize, inputSize = network.InputShape.Size;
        float[] images = new float[data.ImagesLength];
        float[] labels = new float[data.BatchSize];
        float[] outputs = new float[data.BatchSize * outputSize];
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "ConfusionMatrix");
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            data.StartEpoch(0);
            for (int batch = 1; data.TryNext(images, labels, out int count); batch++)
            {
                network.Backend.Upload(images.AsSpan(0, count * inputSize), network.Input.Slice(0, count * inputSize));
                network.Forward(count);
                network.Backend.Download(network.Output.Slice(0, count * outputSize), outputs.AsSpan(0, count * outputSize));
                // A NaN row's arg-max is class 0: counted, it would look like a real prediction.
                if (NetworkValues.IndexOfNonFinite(outputs.AsSpan(0, count * outputSize)) >= 0)
                    throw NonFiniteOutput.For(network, "ConfusionMatrix", images, count, batch, data.BatchSize, double.NaN, nameof(data));
                // Softmax and renormalising keep the order, so the most probable class is the largest of its outputs.
                for (int i = 0; i < count; i++) matrix.Add((int)labels[i], TrainingStep.ArgMax(outputs.AsSpan(i * outputSize, classNames.Count)));
            }
        }
        finally
        {
            network.Training = wasTraining;
        }
        return matrix;
    }

    /// <summary>
    /// Classifies one sample given as raw values (normalised here when <paramref name="normalization"/> is given),
    /// in evaluation mode: the probability of every class, and the most probable one with its name.
    /// </summary>
    /// <param name="network">A classifier whose output size is at least the number of classes.</param>
    /// <param name="sample">One sample's raw values, <see cref="INetwork.InputShape"/>'s size.</param>
    /// <param name="classNames">The classes, one per output; fewer than the outputs leaves the rest out (see <see cref="ClassProbabilities"/>).</param>
    /// <param name="normalization">Per-channel normalisation to apply first, or null when the sample is already normalised.</param>
    /// <remarks>The layer outputs of this sample stay in the network for <see cref="INetwork.LayerOutput"/>.</remarks>
    /// <exception cref="ArgumentException">The sample (after normalisation) holds a NaN or infinity; the message names the value.</exception>
    /// <exception cref="InvalidOperationException">The output is not finite (the weights blew up; the message names the tensor), or another thread is using the network.</exception>
    public static Prediction Predict(this INetwork network, ReadOnlySpan<float> sample, IReadOnlyList<string> classNames, Normalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        return new Prediction(classNames, network.PredictProbabilities(sample, classNames.Count, normalization));
    }

    /// <summary>
    /// The class probabilities of one sample given as raw values (normalised here when
    /// <paramref name="normalization"/> is given), in evaluation mode, over the first
    /// <paramref name="classes"/> outputs (all when null).
    /// </summary>
    public static float[] PredictProbabilities(this INetwork network, ReadOnlySpan<float> sample, int? classes = null, Normalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        int inputSize = network.InputShape.Size, count = classes ?? network.OutputSize;
        if (sample.Length != inputSize)
            throw new ArgumentException($"{network.ArchitectureName} takes samples of {network.InputShape} = {inputSize} values, not {sample.Length}.", nameof(sample));
        if (count < 1 || count > network.OutputSize)
            throw new ArgumentOutOfRangeException(nameof(classes), count, $"{network.ArchitectureName} has {network.OutputSize} outputs, so it tells 1 to {network.OutputSize} classes apart.");

        float[] input = sample.ToArray();
        normalization?.Apply(sample, input, network.InputShape);
        int bad = NetworkValues.IndexOfNonFinite(input);
        if (bad >= 0)
            throw new ArgumentException(FormattableString.Invariant(
                $"The sample holds {input[bad]} at value {bad}{(normalization is null ? "" : " after normalisation")}; {network.ArchitectureName} needs finite input: check the data and its normalisation."), nameof(sample));
        float[] output = new float[network.OutputSize];
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "Predict");
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            network.Backend.Upload(input, network.Input.Slice(0, inputSize));
            network.Forward(1);
            network.Backend.Download(network.Output.Slice(0, output.Length), output);
            if (NetworkValues.IndexOfNonFinite(output) >= 0) throw NonFiniteOutput.ForSample(network, "Predict", input);
        }
        finally
        {
            network.Training = wasTraining;
        }
        float[] probabilities = new float[count];
        ClassProbabilities.FromOutput(output, network.OutputKind, probabilities);
        return probabilities;
    }

    private static void CheckCompatible(INetwork network, ImageDataset data, string name)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (data.SampleShape.Size != network.InputShape.Size)
            throw new ArgumentException($"{network.ArchitectureName} takes inputs of shape {network.InputShape} but the {name} set holds samples of {data.SampleShape}.", name);
        if (data.ClassCount > network.OutputSize)
            throw new ArgumentException($"The {name} set has {data.ClassCount} classes but {network.ArchitectureName} has only {network.OutputSize} outputs.", name);
    }

    private static void CheckSource(INetwork network, IBatchSource data, string name)
    {
        if (data.SampleShape.Size != network.InputShape.Size)
            throw new ArgumentException($"{network.ArchitectureName} takes inputs of shape {network.InputShape} but the {name} batches hold samples of {data.SampleShape}.", name);
        if (data.BatchSize < 1 || data.BatchSize > network.MaxBatchSize)
            throw new ArgumentException($"The {name} batches hold {data.BatchSize} samples; {network.ArchitectureName} was built for batches of 1 to {network.MaxBatchSize}.", name);
    }

    private static int CheckBatchSize(INetwork network, int batchSize)
    {
        if (batchSize < 1 || batchSize > network.MaxBatchSize)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"{network.ArchitectureName} was built for batches of 1 to {network.MaxBatchSize}.");
        return batchSize;
    }
}

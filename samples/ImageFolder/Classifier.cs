using Cnn;
using Cnn.Data;
using Cnn.Training;

namespace ImageFolderSample;

/// <summary>
/// Class probabilities over a data set's classes only. A network may have more outputs than the data
/// has classes (the smallest declared head that holds them); those outputs are never a target, so they
/// are left out here and the probabilities of the real classes renormalised.
/// </summary>
internal static class Classifier
{
    /// <summary>
    /// Writes the probabilities of the first <paramref name="probabilities"/>.Length classes from one
    /// output row: a softmax of logits or log-probabilities, or probabilities scaled to sum to 1.
    /// </summary>
    public static void Probabilities(ReadOnlySpan<float> output, OutputKind kind, Span<float> probabilities)
    {
        ReadOnlySpan<float> row = output[..probabilities.Length];
        double sum = 0;
        if (kind == OutputKind.Probabilities)
        {
            foreach (float p in row) sum += p;
            for (int i = 0; i < row.Length; i++) probabilities[i] = sum > 0 ? (float)(row[i] / sum) : 1f / row.Length;
            return;
        }
        float max = float.NegativeInfinity;
        foreach (float v in row) max = MathF.Max(max, v);
        for (int i = 0; i < row.Length; i++) sum += Math.Exp(row[i] - max);
        for (int i = 0; i < row.Length; i++) probabilities[i] = (float)(Math.Exp(row[i] - max) / sum);
    }

    /// <summary>Runs one prepared image through <paramref name="network"/> in evaluation mode; returns the probabilities of <paramref name="classCount"/> classes.</summary>
    /// <remarks>The layer outputs of this image stay in the network for <see cref="INetwork.LayerOutput"/>.</remarks>
    public static float[] Classify(INetwork network, ImageTensor image, int classCount)
    {
        if (image.Shape != network.InputShape)
            throw new ArgumentException($"{network.ArchitectureName} takes {network.InputShape} images, not {image.Shape}.", nameof(image));
        var output = new float[network.OutputSize];
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            network.Backend.Upload(image.Data, network.Input.Slice(0, image.Data.Length));
            network.Forward(1);
            network.Backend.Download(network.Output.Slice(0, output.Length), output);
        }
        finally
        {
            network.Training = wasTraining;
        }
        var probabilities = new float[classCount];
        Probabilities(output, network.OutputKind, probabilities);
        return probabilities;
    }

    /// <summary>
    /// Counts (true class, predicted class) over one epoch of <paramref name="data"/>, predicting the
    /// most probable of the <paramref name="classNames"/>.Count real classes.
    /// </summary>
    public static ConfusionMatrix ConfusionMatrix(INetwork network, IBatchSource data, IReadOnlyList<string> classNames)
    {
        var matrix = new ConfusionMatrix(classNames);
        int inputSize = network.InputShape.Size, outputs = network.OutputSize, classes = classNames.Count;
        var images = new float[data.ImagesLength];
        var labels = new float[data.BatchSize];
        var output = new float[data.BatchSize * outputs];
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            data.StartEpoch(0);
            while (data.TryNext(images, labels, out int count))
            {
                network.Backend.Upload(images.AsSpan(0, count * inputSize), network.Input.Slice(0, count * inputSize));
                network.Forward(count);
                network.Backend.Download(network.Output.Slice(0, count * outputs), output.AsSpan(0, count * outputs));
                // Softmax and renormalising keep the order, so the most probable class is the largest of its outputs.
                for (int i = 0; i < count; i++) matrix.Add((int)labels[i], ArgMax(output.AsSpan(i * outputs, classes)));
            }
        }
        finally
        {
            network.Training = wasTraining;
        }
        return matrix;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}

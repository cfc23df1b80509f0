using System.Globalization;

namespace Cnn.Training;

/// <summary>
/// The error Evaluate, ConfusionMatrix and Predict throw when a batch's output or loss is not
/// finite, instead of a NaN loss or class 0 with NaN confidence: it names the sample and value
/// when the input is to blame (as training's <see cref="Divergence"/> does), or the tensor or
/// layer when the network is.
/// </summary>
internal static class NonFiniteOutput
{
    /// <summary>Diagnoses batch <paramref name="batch"/> (from 1) of <paramref name="count"/> samples after a forward pass that gave <paramref name="loss"/>.</summary>
    /// <returns>An <see cref="ArgumentException"/> for non-finite input, an <see cref="InvalidOperationException"/> otherwise.</returns>
    public static Exception For(INetwork network, string operation, ReadOnlySpan<float> images, int count, int batch, int batchSize, double loss, string parameter)
    {
        Divergence found = Divergence.Diagnose(network, images, count, epoch: 0, batch, step: 0, loss);
        if (found.Source == DivergenceSource.Input)
        {
            int sample = found.Sample!.Value, size = network.InputShape.Size;
            ReadOnlySpan<float> values = images.Slice(sample * size, size);
            int index = NetworkValues.IndexOfNonFinite(values);
            long inPass = (long)(batch - 1) * batchSize + sample;
            return new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{operation}: sample {sample} of batch {batch} (sample {inPass} of the pass, from 0) holds {values[index]} at value {index}. " +
                $"{network.ArchitectureName} needs finite input: check the data and its normalisation."), parameter);
        }
        return Network(network, operation, found, $"batch {batch}");
    }

    /// <summary>Diagnoses the one sample Predict ran, whose input was already checked.</summary>
    public static InvalidOperationException ForSample(INetwork network, string operation, ReadOnlySpan<float> input) =>
        Network(network, operation, Divergence.Diagnose(network, input, 1, epoch: 0, batch: 1, step: 0, double.NaN), "the sample");

    /// <summary>The sample's input is finite: the weights, or a layer, or the loss is to blame.</summary>
    private static InvalidOperationException Network(INetwork network, string operation, Divergence found, string what)
    {
        string? tensor = found.Tensor ?? NetworkValues.FirstNonFiniteTensor(network);
        if (tensor is not null)
            return new InvalidOperationException(
                $"{operation}: the output for {what} is not finite because {network.ArchitectureName}'s '{tensor}' holds a NaN or infinity: " +
                "its weights blew up in training. Load the last good model file.");
        if (found.Source == DivergenceSource.Activation)
            return new InvalidOperationException(
                $"{operation}: layer '{found.Layer}' of {network.ArchitectureName} overflowed on {what}, from finite input and weights: check the input's normalisation.");
        return new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"{operation}: every layer output for {what} is finite, but the loss is {found.Loss}: check the labels, and that the loss fits the network's output."));
    }
}

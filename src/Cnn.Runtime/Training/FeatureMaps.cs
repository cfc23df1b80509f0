using Cnn.Data;

namespace Cnn.Training;

/// <summary>
/// One layer's output for one sample: for a convolution, its C feature maps of H×W, channel by
/// channel. <c>Cnn.Plots.FeatureMapGrid</c> draws them.
/// </summary>
/// <param name="Layer">The layer's full name, e.g. <c>"conv1"</c> or <c>"layer1.0.conv1"</c>.</param>
/// <param name="Kind">The layer's kind, e.g. <c>"Conv2d"</c>.</param>
/// <param name="Shape">The shape of the output of one sample (C, H, W), or flat.</param>
/// <param name="Values">Shape.Size values.</param>
public sealed record FeatureMaps(string Layer, string Kind, TensorShape Shape, float[] Values)
{
    /// <summary>
    /// Runs <paramref name="sample"/> through <paramref name="network"/> in evaluation mode and
    /// returns the output of <paramref name="layerName"/> (by default the first convolution).
    /// </summary>
    /// <param name="network">The network; its training mode is restored afterwards.</param>
    /// <param name="sample">One sample's raw values (normalised here when <paramref name="normalization"/> is given).</param>
    /// <param name="layerName">A name from <see cref="INetwork.Layers"/>; null picks the first Conv2d.</param>
    /// <param name="normalization">Applied to the sample first, as in training.</param>
    /// <exception cref="ArgumentException">The sample has the wrong size, or the network has no such layer (the message lists them).</exception>
    public static FeatureMaps Capture(INetwork network, ReadOnlySpan<float> sample, string? layerName = null, Normalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        int inputSize = network.InputShape.Size;
        if (sample.Length != inputSize)
            throw new ArgumentException($"{network.ArchitectureName} takes samples of {network.InputShape} = {inputSize} values, not {sample.Length}.", nameof(sample));
        int index = FindLayer(network, layerName);
        LayerInfo layer = network.Layers[index];

        float[] input = sample.ToArray();
        normalization?.Apply(sample, input, network.InputShape);
        float[] values = new float[layer.OutputShape.Size];
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "FeatureMaps.Capture");
        bool wasTraining = network.Training;
        network.Training = false;
        try
        {
            network.Backend.Upload(input, network.Input.Slice(0, inputSize));
            network.Forward(1);
            network.Backend.Download(network.LayerOutput(index, 1), values);
        }
        finally
        {
            network.Training = wasTraining;
        }
        return new FeatureMaps(layer.Name, layer.Kind, layer.OutputShape, values);
    }

    private static int FindLayer(INetwork network, string? name)
    {
        IReadOnlyList<LayerInfo> layers = network.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (name is null ? layers[i].Kind == "Conv2d" : layers[i].Name == name) return i;
        }
        string known = string.Join(", ", layers.Select(l => $"{l.Name} ({l.Kind})"));
        throw new ArgumentException(name is null
            ? $"{network.ArchitectureName} has no Conv2d layer; name one of: {known}."
            : $"{network.ArchitectureName} has no layer '{name}'; its layers are: {known}.", "layerName");
    }
}

using Cnn;
using Cnn.Data;
using Cnn.IO;

namespace ServeSample;

/// <summary>
/// What the service knows about the model it serves, from the network and the model file's
/// metadata: the input it takes, the classes it tells apart and how inputs are normalised.
/// </summary>
/// <param name="Path">The model file.</param>
/// <param name="Architecture">The network's class name.</param>
/// <param name="InputShape">One sample's shape.</param>
/// <param name="ClassNames">The classes, in output order.</param>
/// <param name="Normalization">What training normalised inputs with; null when the file does not say, and inputs are then used as sent.</param>
public sealed record ServedModel(string Path, string Architecture, TensorShape InputShape, IReadOnlyList<string> ClassNames, Normalization? Normalization)
{
    /// <summary>
    /// Describes <paramref name="network"/> as loaded from <paramref name="path"/>, whose metadata is
    /// <paramref name="metadata"/>. A file without class names (one written by PyTorch) gets the
    /// output indices as names.
    /// </summary>
    /// <exception cref="InvalidDataException">The file was saved from another architecture, names more classes than the network has outputs, or has malformed normalisation metadata.</exception>
    public static ServedModel Describe(string path, ModelMetadata metadata, INetwork network)
    {
        if (metadata.Architecture is string architecture && architecture != network.ArchitectureName)
            throw new InvalidDataException($"'{path}' holds a {architecture}, but the service was set up to serve a {network.ArchitectureName}.");
        IReadOnlyList<string> classNames = metadata.ClassNames ?? Enumerable.Range(0, network.OutputSize).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (classNames.Count == 0 || classNames.Count > network.OutputSize)
            throw new InvalidDataException($"'{path}' names {classNames.Count} classes, but {network.ArchitectureName} has {network.OutputSize} outputs.");
        Normalization? normalization;
        try
        {
            normalization = NormalizationMetadata.FromMetadata(metadata.Extra);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
        if (normalization is not null && normalization.ChannelCount != network.InputShape.Channels)
            throw new InvalidDataException($"'{path}' normalises {normalization.ChannelCount} channel(s), but {network.ArchitectureName} takes {network.InputShape}.");
        return new ServedModel(path, network.ArchitectureName, network.InputShape, classNames, normalization);
    }
}

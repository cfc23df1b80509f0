namespace Cnn.IO;

/// <summary>
/// What a model file says about the model besides its tensors, kept in the safetensors header's
/// <c>__metadata__</c> strings: <c>"architecture"</c>, <c>"input_shape"</c> (e.g. <c>"1,28,28"</c>,
/// or <c>"784"</c> for flat input) and <c>"class_names"</c> (a JSON array), plus any
/// <see cref="Extra"/> strings, such as <c>"format": "pt"</c>, which PyTorch tools look for.
/// </summary>
/// <param name="Architecture">The network's class name; <see langword="null"/> when the file does not say (e.g. one written by PyTorch).</param>
/// <param name="InputShape">The shape of one input sample; <see langword="null"/> when the file does not say.</param>
/// <param name="ClassNames">The label of each output class, in order; <see langword="null"/> when unknown.</param>
/// <param name="Extra">Every other metadata string.</param>
public sealed record ModelMetadata(string? Architecture, TensorShape? InputShape, IReadOnlyList<string>? ClassNames, IReadOnlyDictionary<string, string> Extra)
{
    /// <summary>Metadata with only class names and extra strings: what a caller passes to <see cref="ModelFile.Save(INetwork, string, ModelMetadata?, bool)"/>, which fills in the architecture and input shape from the network.</summary>
    public ModelMetadata(IReadOnlyList<string>? classNames = null, IReadOnlyDictionary<string, string>? extra = null)
        : this(null, null, classNames, extra ?? new Dictionary<string, string>())
    {
    }

    /// <summary>Two metadata are equal when their fields are, comparing the lists and dictionary by content.</summary>
    public bool Equals(ModelMetadata? other) =>
        other is not null
        && Architecture == other.Architecture
        && InputShape == other.InputShape
        && (ClassNames is null ? other.ClassNames is null : other.ClassNames is not null && ClassNames.SequenceEqual(other.ClassNames))
        && Extra.Count == other.Extra.Count
        && Extra.All(pair => other.Extra.TryGetValue(pair.Key, out string? value) && value == pair.Value);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Architecture, InputShape, ClassNames?.Count, Extra.Count);
}

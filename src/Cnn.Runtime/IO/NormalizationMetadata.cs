using System.Globalization;
using Cnn.Data;

namespace Cnn.IO;

/// <summary>
/// Keeps a <see cref="Normalization"/> in a model file's metadata, as two comma-separated strings of
/// round-trip floats, <c>"normalization_mean"</c> and <c>"normalization_std"</c>, so that whoever
/// loads the model (a <c>predict</c> command, an HTTP service) prepares inputs exactly as training did.
/// </summary>
public static class NormalizationMetadata
{
    /// <summary>Metadata key of the per-channel means.</summary>
    public const string MeanKey = "normalization_mean";

    /// <summary>Metadata key of the per-channel standard deviations.</summary>
    public const string StdKey = "normalization_std";

    /// <summary>The two metadata strings of <paramref name="normalization"/>, for <see cref="ModelMetadata.Extra"/>.</summary>
    public static IReadOnlyDictionary<string, string> ToMetadata(Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MeanKey] = Join(normalization.Mean),
            [StdKey] = Join(normalization.Std),
        };
    }

    /// <summary>Reads what <see cref="ToMetadata"/> wrote; <see langword="null"/> when neither key is there.</summary>
    /// <exception cref="FormatException">Only one key is there, or a value is not a list of numbers that make a valid normalisation; the message names the key and the value.</exception>
    public static Normalization? FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        bool hasMean = metadata.TryGetValue(MeanKey, out string? mean), hasStd = metadata.TryGetValue(StdKey, out string? std);
        if (!hasMean && !hasStd) return null;
        if (!hasMean || !hasStd)
            throw new FormatException($"The metadata has '{(hasMean ? MeanKey : StdKey)}' but not '{(hasMean ? StdKey : MeanKey)}'.");
        try
        {
            return new Normalization(Split(mean!, MeanKey), Split(std!, StdKey));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"The metadata's normalisation ('{MeanKey}' '{mean}', '{StdKey}' '{std}') is invalid: {e.Message}", e);
        }
    }

    private static string Join(IEnumerable<float> values) => string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static float[] Split(string text, string key) => text.Split(',').Select(s =>
        float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float value)
            ? value
            : throw new FormatException($"The metadata's '{key}' is '{text}', not comma-separated numbers.")).ToArray();
}

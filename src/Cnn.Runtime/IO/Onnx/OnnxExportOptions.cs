using Cnn.Data;

namespace Cnn.IO.Onnx;

/// <summary>How <see cref="ModelFile.ExportOnnx(INetwork, string, OnnxExportOptions?)"/> writes a network.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The opset of the default ONNX domain, 13 to 17 (the operators used mean the same in all of them); 17 by default.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>
    /// The name of the batch axis, a symbolic dimension so that any batch size runs; null fixes it to
    /// <see cref="FixedBatchSize"/>. <c>"batch"</c> by default.
    /// </summary>
    public string? BatchAxisName { get; init; } = "batch";

    /// <summary>The batch size when <see cref="BatchAxisName"/> is null.</summary>
    public int FixedBatchSize { get; init; } = 1;

    /// <summary>Class names and extra strings, kept as the model's metadata (<c>metadata_props</c>), as <see cref="ModelFile.Save(INetwork, string, ModelMetadata?, bool)"/> keeps them.</summary>
    public ModelMetadata? Metadata { get; init; }

    /// <summary>
    /// The normalisation the network's input expects, kept as metadata (<c>"normalization_mean"</c>
    /// and <c>"normalization_std"</c>, JSON arrays) for whoever feeds the model; the graph does not apply it.
    /// </summary>
    public Normalization? Normalization { get; init; }

    /// <summary>
    /// Export even when a value is NaN or infinite, or a running variance negative (to inspect a run
    /// that blew up); by default such a network is refused, naming the tensor, as
    /// <see cref="ModelFile.Save(INetwork, string, ModelMetadata?, bool)"/> refuses it.
    /// </summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>The model's <c>producer_name</c>.</summary>
    public string ProducerName { get; init; } = "Cnn";
}

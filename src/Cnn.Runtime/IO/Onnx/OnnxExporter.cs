using System.Globalization;
using System.Runtime.InteropServices;

namespace Cnn.IO.Onnx;

/// <summary>
/// Writes a network as an ONNX model: the graph from <see cref="INetwork.Graph"/>, today's
/// parameters and running statistics, and the metadata; through <see cref="AtomicFile"/>, so that
/// a failure, including a layer that cannot be expressed, leaves no file behind and an earlier one intact.
/// </summary>
internal static class OnnxExporter
{
    /// <summary>Metadata keys of the input normalisation's per-channel mean and std (JSON arrays).</summary>
    public const string NormalizationMeanKey = "normalization_mean", NormalizationStdKey = "normalization_std";

    // A protobuf message cannot exceed 2 GiB; larger models need ONNX's external data, which this writer does not produce.
    private const long MaxModelBytes = int.MaxValue;

    public static void Export(INetwork network, string path, OnnxExportOptions? options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new OnnxExportOptions();
        if (options.Opset is < 13 or > 17)
            throw new ArgumentOutOfRangeException(nameof(options), options.Opset, "The ONNX exporter writes opsets 13 to 17.");
        if (options.BatchAxisName is null && options.FixedBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.FixedBatchSize, "A fixed batch size must be at least 1.");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX tensors are little-endian; this machine is not.");

        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "ModelFile.ExportOnnx");
        byte[] parameters = Download(network, network.Parameters);
        byte[] buffers = network.BufferInfos.Count > 0 ? Download(network, network.Buffers) : [];
        if (!options.AllowNonFinite && (FirstProblem(network.ParameterInfos, parameters) ?? FirstProblem(network.BufferInfos, buffers)) is string problem)
        {
            throw new InvalidOperationException(
                $"{network.ArchitectureName}'s {problem}, so it was not exported to '{path}' (a file already there is unchanged). " +
                "Its weights blew up in training; export with AllowNonFinite = true to keep them anyway.");
        }
        // Built before the file is opened: a layer that cannot be expressed throws here, and nothing is written.
        ProtoMessage graph = new OnnxGraphBuilder(network, parameters, buffers).Build(options.BatchAxisName, options.FixedBatchSize);
        string version = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "";
        ProtoMessage model = OnnxProto.Model(graph, options.Opset, options.ProducerName, version, Metadata(network, options));
        if (model.Length > MaxModelBytes)
            throw new NotSupportedException($"{network.ArchitectureName} takes {model.Length:N0} bytes as ONNX, more than the 2 GiB a protobuf message may hold.");
        AtomicFile.Write(path, model.WriteTo);
    }

    private static byte[] Download(INetwork network, Tensor tensor)
    {
        var bytes = new byte[checked((long)tensor.Length * sizeof(float))];
        network.Backend.Download(tensor, MemoryMarshal.Cast<byte, float>(bytes.AsSpan()));
        return bytes;
    }

    private static string? FirstProblem(IReadOnlyList<ParameterInfo> infos, byte[] arena)
    {
        ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(arena);
        foreach (ParameterInfo info in infos)
        {
            if (NetworkValues.Problem(info, values.Slice((int)info.Offset, info.Length)) is string problem) return problem;
        }
        return null;
    }

    /// <summary>The architecture and input shape, as in a safetensors model file, then the class names, the normalisation and the extra strings.</summary>
    private static List<KeyValuePair<string, string>> Metadata(INetwork network, OnnxExportOptions options)
    {
        ModelMetadata? metadata = options.Metadata;
        if (metadata?.Architecture is string architecture && architecture != network.ArchitectureName)
            throw new ArgumentException($"The metadata names architecture '{architecture}' but the network is {network.ArchitectureName}.", nameof(options));
        if (metadata?.InputShape is TensorShape shape && shape != network.InputShape)
            throw new ArgumentException($"The metadata gives input shape {shape} but {network.ArchitectureName} takes {network.InputShape}.", nameof(options));
        var strings = new List<KeyValuePair<string, string>>
        {
            new(ModelFile.ArchitectureKey, network.ArchitectureName),
            new(ModelFile.InputShapeKey, ModelFile.FormatInputShape(network.InputShape)),
        };
        if (metadata?.ClassNames is IReadOnlyList<string> classNames)
        {
            if (classNames.Count != network.OutputSize)
                throw new ArgumentException($"{classNames.Count} class names given, but {network.ArchitectureName} has {network.OutputSize} outputs.", nameof(options));
            strings.Add(new(ModelFile.ClassNamesKey, ModelFile.FormatClassNames(classNames)));
        }
        if (options.Normalization is { } normalization)
        {
            if (normalization.ChannelCount != network.InputShape.Channels)
                throw new ArgumentException($"The normalization has {normalization.ChannelCount} channel(s) but {network.ArchitectureName}'s input has {network.InputShape.Channels}.", nameof(options));
            strings.Add(new(NormalizationMeanKey, Json(normalization.Mean)));
            strings.Add(new(NormalizationStdKey, Json(normalization.Std)));
        }
        foreach (KeyValuePair<string, string> pair in (metadata?.Extra ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (strings.Any(s => s.Key == pair.Key))
                throw new ArgumentException($"Extra metadata cannot use the reserved key '{pair.Key}'.", nameof(options));
            strings.Add(pair);
        }
        return strings;
    }

    /// <summary>A JSON array of floats, each in its shortest round-trip form.</summary>
    private static string Json(IReadOnlyList<float> values)
        => "[" + string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";
}

using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cnn.IO;

/// <summary>
/// Saves a network's parameters and buffers to a safetensors file under their PyTorch state_dict
/// names, and loads them back, into this network or from PyTorch. Batch norm's
/// <c>num_batches_tracked</c> (<see cref="ParameterRole.BatchesTracked"/>) is written as a 0-d
/// int64, as <c>torch.save</c> keeps it; everything else as float32.
/// </summary>
public static class ModelFile
{
    /// <summary>Metadata key of the network's class name.</summary>
    public const string ArchitectureKey = "architecture";

    /// <summary>Metadata key of one sample's shape, e.g. <c>"1,28,28"</c>.</summary>
    public const string InputShapeKey = "input_shape";

    /// <summary>Metadata key of the class names, a JSON array of strings.</summary>
    public const string ClassNamesKey = "class_names";

    /// <summary>
    /// Writes every parameter and buffer of <paramref name="network"/> to <paramref name="path"/>,
    /// through a temporary file and a rename, so a failure leaves any earlier file there intact.
    /// </summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">The file to write, conventionally <c>*.safetensors</c>.</param>
    /// <param name="metadata">
    /// Class names and extra strings to keep with the model (e.g. <c>"format": "pt"</c>, which
    /// PyTorch tools expect). The architecture and input shape come from the network; if given
    /// here they must agree with it.
    /// </param>
    /// <param name="allowNonFinite">
    /// Save even when a value is NaN or infinite, or a running variance or batch count is negative
    /// (for inspecting a run that blew up); by default such a network is refused, so that a good
    /// file is never replaced by a broken one.
    /// </param>
    /// <exception cref="ArgumentException">The metadata contradicts the network, or an extra key is one of the reserved keys.</exception>
    /// <exception cref="InvalidOperationException">A parameter or buffer holds such a value; the message names it, and nothing was written.</exception>
    public static void Save(INetwork network, string path, ModelMetadata? metadata = null, bool allowNonFinite = false) =>
        Save(network, path, metadata, allowNonFinite, wrap: null);

    /// <summary>As <see cref="Save(INetwork, string, ModelMetadata?, bool)"/>; <paramref name="wrap"/> lets tests make the write fail midway.</summary>
    internal static void Save(INetwork network, string path, ModelMetadata? metadata, Func<Stream, Stream>? wrap) =>
        Save(network, path, metadata, allowNonFinite: false, wrap);

    private static void Save(INetwork network, string path, ModelMetadata? metadata, bool allowNonFinite, Func<Stream, Stream>? wrap)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Read while no other thread trains it, so the file is one consistent state.
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "ModelFile.Save");
        SafeTensorsWriter writer = new();
        AddMetadata(writer, network, metadata);

        float[] parameters = Download(network, network.Parameters);
        float[] buffers = network.BufferInfos.Count > 0 ? Download(network, network.Buffers) : [];
        if (!allowNonFinite
            && (NetworkValues.Problems(network.ParameterInfos, parameters).Concat(NetworkValues.Problems(network.BufferInfos, buffers)).FirstOrDefault() is string problem))
        {
            throw new InvalidOperationException(
                $"{network.ArchitectureName}'s {problem}, so it was not saved to '{path}' (a file already there is unchanged). " +
                "Its weights blew up in training; save with allowNonFinite: true to keep them anyway.");
        }
        foreach (ParameterInfo p in network.ParameterInfos)
            writer.AddSingle(p.Name, FileShape(p), parameters.AsMemory((int)p.Offset, p.Length));

        if (network.BufferInfos.Count > 0)
        {
            foreach (ParameterInfo b in network.BufferInfos)
            {
                if (b.Role != ParameterRole.BatchesTracked)
                {
                    writer.AddSingle(b.Name, FileShape(b), buffers.AsMemory((int)b.Offset, b.Length));
                    continue;
                }
                if (b.Length != 1)
                    throw new InvalidOperationException($"{network.ArchitectureName}'s '{b.Name}' counts batches and should be one value, but it has {b.Length}.");
                float count = buffers[b.Offset];
                if (!float.IsFinite(count) || count < 0 || count >= 9223372036854775808f)
                    throw new InvalidOperationException($"{network.ArchitectureName}'s '{b.Name}' is {count}, not a batch count that int64 can hold.");
                writer.AddInt64(b.Name, [], new[] { (long)MathF.Round(count) });
            }
        }

        writer.Save(path, wrap);
    }

    /// <summary>
    /// Writes <paramref name="network"/> as an ONNX model for inference: opset 17 by default, a
    /// dynamic batch axis, the parameters and running statistics as initializers under their
    /// state_dict names, batch norm in its inference form and dropout removed; the architecture,
    /// input shape, class names and input normalisation as metadata. The file is written through a
    /// temporary and a rename, so on any error nothing is left at <paramref name="path"/> (an
    /// earlier file there stays).
    /// </summary>
    /// <param name="network">A generated network (its <see cref="INetwork.Graph"/> describes the layers).</param>
    /// <param name="path">The file to write, conventionally <c>*.onnx</c>.</param>
    /// <param name="options">Opset, batch axis and metadata; null for the defaults.</param>
    /// <exception cref="Onnx.OnnxExportException">A layer has no exact ONNX form; the message names it and says what to change.</exception>
    /// <exception cref="NotSupportedException">The network does not describe its graph (not a generated network).</exception>
    public static void ExportOnnx(INetwork network, string path, Onnx.OnnxExportOptions? options = null) =>
        Onnx.OnnxExporter.Export(network, path, options);

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="network"/>: every parameter and buffer
    /// must be in the file under its name with the same shape, in a dtype that converts to float32
    /// (F32, F64, F16, BF16, I64, I32), and the file must hold nothing else. The whole file is
    /// checked, and read, before the network changes, so on any error the network is as it was.
    /// The file's architecture and input shape are returned, not enforced: a PyTorch file has
    /// neither, and the tensor shapes already decide whether the weights fit.
    /// </summary>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="allowNonFinite">
    /// Load even values no trained network has: NaN, infinities, a negative running variance or
    /// batch count. By default they are refused, naming the tensor, as a file saved after a step
    /// that blew up would otherwise load silently and predict garbage.
    /// </param>
    /// <returns>The file's metadata.</returns>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    /// <exception cref="ModelFormatException">The file's tensors, their values or the reserved metadata do not fit the network; lists every problem.</exception>
    public static ModelMetadata Load(INetwork network, string path, bool allowNonFinite = false) =>
        Load(network, path, new LoadOptions { AllowNonFinite = allowNonFinite }).Metadata;

    /// <summary>
    /// Loads the tensors of <paramref name="path"/> that <paramref name="options"/> select into
    /// <paramref name="network"/>, strictly (as the other overload) or, with
    /// <see cref="LoadOptions.Strict"/> false, whatever matches by name and shape, as PyTorch's
    /// <c>load_state_dict(strict=False)</c>: for fine-tuning, a body from a file whose head differs.
    /// A tensor whose shape differs is never written. Everything is checked and read before the
    /// network changes, so on any error the network is as it was.
    /// </summary>
    /// <param name="network">The network to load into.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="options">Strictness, the names that take part, and whether non-finite values are accepted.</param>
    /// <returns>The metadata, and which names were loaded, missing, unexpected or of another shape.</returns>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    /// <exception cref="ModelFormatException">
    /// A selected tensor has a dtype that does not convert to float32, a value that is refused, or
    /// reserved metadata is malformed; or, when strict, any selected tensor does not match. Lists every problem.
    /// </exception>
    public static LoadResult Load(INetwork network, string path, LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(network, "ModelFile.Load");
        using SafeTensorsFile file = SafeTensorsFile.Open(path);

        var problems = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        List<string> loaded = [], missing = [], unexpected = [], mismatched = [];
        var loadedParameters = new List<ParameterInfo>();
        var loadedBuffers = new List<ParameterInfo>();
        foreach (ParameterInfo info in network.ParameterInfos.Concat(network.BufferInfos))
        {
            expected.Add(info.Name);
            if (!options.Selects(info.Name)) continue;
            if (!file.TryGetTensor(info.Name, out SafeTensorInfo? tensor))
            {
                missing.Add(info.Name);
                continue;
            }
            if (!tensor.DType.ConvertsToSingle())
            {
                problems.Add($"'{info.Name}' has dtype {tensor.DType.HeaderName()}, not a float type (F32, F64, F16, BF16) or an integer count (I64, I32)");
                continue;
            }
            long[] shape = FileShape(info);
            if (!tensor.Shape.SequenceEqual(shape))
            {
                mismatched.Add($"'{info.Name}' has shape {tensor.ShapeText} in the file but {SafeTensorInfo.FormatShape(shape)} in {network.ArchitectureName}");
                continue;
            }
            loaded.Add(info.Name);
            (info.Role is ParameterRole.Weight or ParameterRole.Bias ? loadedParameters : loadedBuffers).Add(info);
        }
        foreach (SafeTensorInfo tensor in file.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            if (!expected.Contains(tensor.Name) && options.Selects(tensor.Name)) unexpected.Add(tensor.Name);
        }
        if (options.Strict)
        {
            problems.AddRange(missing.Select(name => $"missing '{name}'"));
            problems.AddRange(mismatched);
            problems.AddRange(unexpected.Select(name => $"unexpected '{name}'"));
        }
        ModelMetadata metadata = ParseMetadata(file.Metadata, problems);
        if (problems.Count > 0) throw new ModelFormatException(path, network.ArchitectureName, problems);

        // Everything is read to the host first, so a read error cannot leave half a model behind.
        float[] parameters = Read(file, loadedParameters, network.Parameters.Length);
        float[] buffers = network.BufferInfos.Count > 0 ? Read(file, loadedBuffers, network.Buffers.Length) : [];
        if (!options.AllowNonFinite)
        {
            problems.AddRange(NetworkValues.Problems(loadedParameters, parameters).Concat(NetworkValues.Problems(loadedBuffers, buffers))
                .Select(p => p + " (load with allowNonFinite: true to accept it)"));
            if (problems.Count > 0) throw new ModelFormatException(path, network.ArchitectureName, problems);
        }
        Upload(network, loadedParameters, parameters, network.Parameters);
        if (network.BufferInfos.Count > 0) Upload(network, loadedBuffers, buffers, network.Buffers);
        return new LoadResult(metadata, loaded, missing, unexpected, mismatched);
    }

    /// <summary>Reads only the metadata of a model file, e.g. to find which network class to construct.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors.</exception>
    /// <exception cref="ModelFormatException">A reserved metadata entry is malformed.</exception>
    public static ModelMetadata ReadMetadata(string path)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        var problems = new List<string>();
        ModelMetadata metadata = ParseMetadata(file.Metadata, problems);
        if (problems.Count > 0) throw new ModelFormatException(path, metadata.Architecture ?? "any network", problems);
        return metadata;
    }

    /// <summary>The shape a tensor has in the file: its own, except that a batch count is a 0-d scalar, as in PyTorch.</summary>
    private static long[] FileShape(ParameterInfo info) =>
        info.Role == ParameterRole.BatchesTracked ? [] : info.Shape.Select(d => (long)d).ToArray();

    internal static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }

    private static float[] Read(SafeTensorsFile file, IReadOnlyList<ParameterInfo> infos, int length)
    {
        var values = new float[length];
        foreach (ParameterInfo info in infos)
        {
            file.TryGetTensor(info.Name, out SafeTensorInfo? tensor);
            file.ReadAsSingle(tensor!, values.AsSpan((int)info.Offset, info.Length));
        }
        return values;
    }

    private static void Upload(INetwork network, IReadOnlyList<ParameterInfo> infos, float[] values, Tensor destination)
    {
        foreach (ParameterInfo info in infos)
            network.Backend.Upload(values.AsSpan((int)info.Offset, info.Length), destination.Slice((int)info.Offset, info.Length));
    }

    private static void AddMetadata(SafeTensorsWriter writer, INetwork network, ModelMetadata? metadata)
    {
        if (metadata?.Architecture is string architecture && architecture != network.ArchitectureName)
            throw new ArgumentException($"The metadata names architecture '{architecture}' but the network is {network.ArchitectureName}.", nameof(metadata));
        if (metadata?.InputShape is TensorShape shape && shape != network.InputShape)
            throw new ArgumentException($"The metadata gives input shape {shape} but {network.ArchitectureName} takes {network.InputShape}.", nameof(metadata));

        writer.Metadata[ArchitectureKey] = network.ArchitectureName;
        writer.Metadata[InputShapeKey] = FormatInputShape(network.InputShape);
        if (metadata?.ClassNames is IReadOnlyList<string> classNames) writer.Metadata[ClassNamesKey] = FormatClassNames(classNames);
        foreach (KeyValuePair<string, string> pair in metadata?.Extra ?? new Dictionary<string, string>())
        {
            if (pair.Key is ArchitectureKey or InputShapeKey or ClassNamesKey)
                throw new ArgumentException($"Extra metadata cannot use the reserved key '{pair.Key}'; set it through the network or {nameof(ModelMetadata.ClassNames)}.", nameof(metadata));
            writer.Metadata[pair.Key] = pair.Value;
        }
    }

    private static ModelMetadata ParseMetadata(IReadOnlyDictionary<string, string> strings, List<string> problems)
    {
        strings.TryGetValue(ArchitectureKey, out string? architecture);
        TensorShape? inputShape = null;
        if (strings.TryGetValue(InputShapeKey, out string? shapeText))
        {
            inputShape = ParseInputShape(shapeText);
            if (inputShape is null) problems.Add($"metadata '{InputShapeKey}' is '{Shorten(shapeText)}', not channels,height,width or a feature count");
            else if (!FitsATensor(inputShape.Value))
            {
                problems.Add($"metadata '{InputShapeKey}' is '{shapeText}': more values per sample than a tensor holds ({int.MaxValue:N0})");
                inputShape = null;
            }
        }
        IReadOnlyList<string>? classNames = null;
        if (strings.TryGetValue(ClassNamesKey, out string? namesText))
        {
            classNames = ParseClassNames(namesText);
            if (classNames is null) problems.Add($"metadata '{ClassNamesKey}' is '{Shorten(namesText)}', not a JSON array of strings");
        }
        var extra = strings.Where(p => p.Key is not (ArchitectureKey or InputShapeKey or ClassNamesKey))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new ModelMetadata(architecture, inputShape, classNames, extra);
    }

    internal static string FormatInputShape(TensorShape shape) =>
        shape.IsFlat ? shape.Channels.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{shape.Channels},{shape.Height},{shape.Width}");

    private static TensorShape? ParseInputShape(string text)
    {
        string[] parts = text.Split(',');
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]) || values[i] < 1) return null;
        }
        return values.Length switch
        {
            1 => TensorShape.Flat(values[0]),
            3 => new TensorShape(values[0], values[1], values[2]),
            _ => null,
        };
    }

    /// <summary>Whether <see cref="TensorShape.Size"/> of <paramref name="shape"/> fits an int: a shape from a file may not.</summary>
    private static bool FitsATensor(TensorShape shape) => (double)shape.Channels * Math.Max(shape.Height, 1) * Math.Max(shape.Width, 1) <= int.MaxValue;

    internal static string FormatClassNames(IReadOnlyList<string> names)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (string name in names) json.WriteStringValue(name ?? throw new ArgumentException("A class name is null.", nameof(names)));
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static List<string>? ParseClassNames(string text)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Array) return null;
            var names = new List<string>();
            foreach (JsonElement item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) return null;
                names.Add(item.GetString()!);
            }
            return names;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}

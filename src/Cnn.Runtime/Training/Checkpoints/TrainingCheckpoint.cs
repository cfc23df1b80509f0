using System.Globalization;
using System.Text.Json;
using Cnn.IO;
using Cnn.Optimizers;

namespace Cnn.Training;

/// <summary>
/// A resumable snapshot of a run, kept in a directory: the weights as an ordinary model file
/// (<see cref="ModelFile"/>, so it also loads for inference), the optimizer's state buffers as a
/// safetensors file, and <c>state.json</c> with where training was (epoch, batches done in it,
/// step, optimizer step count, learning rate), the history so far, the running sums of the
/// unfinished epoch and the state of stateful callbacks.
/// </summary>
/// <remarks>
/// The tensor files carry the step in their names and <c>state.json</c>, written last and
/// atomically, names the ones that belong to it; older files are deleted only after it is written.
/// So a crash during a save leaves the previous checkpoint usable.
/// </remarks>
public sealed partial record TrainingCheckpoint
{
    /// <summary>The name of the file that describes the checkpoint; its presence makes a directory a checkpoint.</summary>
    public const string StateFileName = "state.json";

    private const string Format = "cnn-training-checkpoint";
    private const int Version = 1;

    public required string Directory { get; init; }
    public required string Architecture { get; init; }

    /// <summary>The model file, a path inside <see cref="Directory"/>.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The optimizer-state file, or null when the optimizer keeps none (plain SGD).</summary>
    public string? OptimizerPath { get; init; }

    /// <summary>The class name of the optimizer that wrote it.</summary>
    public required string Optimizer { get; init; }

    /// <summary>The epoch (1-based) to continue; <see cref="BatchesDone"/> of its batches are already trained.</summary>
    public required int Epoch { get; init; }

    /// <summary>Batches of <see cref="Epoch"/> already trained: 0 at an epoch boundary.</summary>
    public required int BatchesDone { get; init; }

    /// <summary>Steps trained over the whole run.</summary>
    public required long Step { get; init; }

    public required int OptimizerSteps { get; init; }
    public required double LearningRate { get; init; }
    public required double InitialLearningRate { get; init; }
    public required ulong Seed { get; init; }

    /// <summary>The network's <see cref="INetwork.DropoutState"/>; absent (and not restored) in checkpoints written before it was kept.</summary>
    public DropoutState? Dropout { get; init; }
    public required int BatchSize { get; init; }
    public required int BatchesPerEpoch { get; init; }

    /// <summary>Sums over the trained part of the unfinished epoch, so its row comes out as in an uninterrupted run.</summary>
    public double EpochLossSum { get; init; }
    public long EpochCorrect { get; init; }
    public long EpochSamples { get; init; }
    public double EpochSeconds { get; init; }

    public required IReadOnlyList<EpochResult> History { get; init; }

    /// <summary>Stateful callbacks' state by <see cref="IStatefulCallback.StateKey"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Callbacks { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, double>>();

    /// <summary>Reads the description of the checkpoint in <paramref name="directory"/> (not the tensors).</summary>
    /// <exception cref="FileNotFoundException">The directory holds no <c>state.json</c>.</exception>
    /// <exception cref="FormatException">The description is malformed; the message names the file and the field.</exception>
    public static TrainingCheckpoint Read(string directory)
    {
        string statePath = Path.Combine(directory, StateFileName);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"{directory} is not a training checkpoint: it has no {StateFileName}.", statePath);
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(statePath));
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out JsonElement format) || format.GetString() != Format)
                throw new FormatException($"{statePath} is not a Cnn training checkpoint (no \"format\": \"{Format}\").");
            int version = Get(root, "version").GetInt32();
            if (version != Version) throw new FormatException($"{statePath} has version {version}; this build reads version {Version}.");

            var callbacks = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
            foreach (JsonProperty callback in Get(root, "callbacks").EnumerateObject())
            {
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (JsonProperty value in callback.Value.EnumerateObject())
                    values[value.Name] = HistoryFile.ReadNumber(value.Value, $"{statePath}: callbacks.{callback.Name}.{value.Name}");
                callbacks[callback.Name] = values;
            }
            string? optimizerFile = Get(root, "optimizer_file").GetString();
            return new TrainingCheckpoint
            {
                Directory = directory,
                Architecture = Get(root, "architecture").GetString()!,
                ModelPath = Path.Combine(directory, Get(root, "model_file").GetString()!),
                OptimizerPath = optimizerFile is null ? null : Path.Combine(directory, optimizerFile),
                Optimizer = Get(root, "optimizer").GetString()!,
                Epoch = Get(root, "epoch").GetInt32(),
                BatchesDone = Get(root, "batches_done").GetInt32(),
                Step = Get(root, "step").GetInt64(),
                OptimizerSteps = Get(root, "optimizer_steps").GetInt32(),
                LearningRate = HistoryFile.ReadNumber(Get(root, "learning_rate"), $"{statePath}: learning_rate"),
                InitialLearningRate = HistoryFile.ReadNumber(Get(root, "initial_learning_rate"), $"{statePath}: initial_learning_rate"),
                Seed = Get(root, "seed").GetUInt64(),
                Dropout = root.TryGetProperty("dropout", out JsonElement dropout)
                    ? new DropoutState(Get(dropout, "seed").GetUInt64(), Get(dropout, "mask_stream").GetUInt64())
                    : null,
                BatchSize = Get(root, "batch_size").GetInt32(),
                BatchesPerEpoch = Get(root, "batches_per_epoch").GetInt32(),
                EpochLossSum = HistoryFile.ReadNumber(Get(root, "epoch_loss_sum"), $"{statePath}: epoch_loss_sum"),
                EpochCorrect = Get(root, "epoch_correct").GetInt64(),
                EpochSamples = Get(root, "epoch_samples").GetInt64(),
                EpochSeconds = Get(root, "epoch_seconds").GetDouble(),
                History = HistoryFile.ReadRows(Get(root, "history"), $"{statePath}: history"),
                Callbacks = callbacks,
            };

            JsonElement Get(JsonElement element, string name) =>
                element.TryGetProperty(name, out JsonElement value) ? value : throw new FormatException($"{statePath} has no \"{name}\".");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"{statePath} is malformed: {e.Message}", e);
        }
    }

    /// <summary>Writes the tensors, then <c>state.json</c>, then removes the tensor files of earlier checkpoints.</summary>
    internal void Save(INetwork network, Optimizer optimizer)
    {
        System.IO.Directory.CreateDirectory(Directory);
        ModelFile.Save(network, ModelPath);
        if (OptimizerPath is not null)
        {
            var writer = new SafeTensorsWriter();
            writer.Metadata["optimizer"] = Optimizer;
            foreach ((string name, Tensor tensor) in optimizer.State)
            {
                float[] values = new float[tensor.Length];
                network.Backend.Download(tensor, values);
                writer.AddSingle(name, [values.Length], values);
            }
            writer.Save(OptimizerPath);
        }
        AtomicFile.WriteAllText(Path.Combine(Directory, StateFileName), ToJson());

        var keep = new HashSet<string>(StringComparer.Ordinal) { Path.GetFileName(ModelPath) };
        if (OptimizerPath is not null) keep.Add(Path.GetFileName(OptimizerPath));
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*.safetensors"))
        {
            string name = Path.GetFileName(file);
            // Only names this class gives (model-/optimizer- and eight digits): other files in the directory are left alone.
            if (TensorFileName().IsMatch(name) && !keep.Contains(name)) File.Delete(file);
        }
    }

    /// <summary>The names the tensor files of a checkpoint taken after <paramref name="step"/> steps get.</summary>
    internal static (string Model, string Optimizer) FileNames(long step) =>
        (string.Create(CultureInfo.InvariantCulture, $"model-{step:D8}.safetensors"), string.Create(CultureInfo.InvariantCulture, $"optimizer-{step:D8}.safetensors"));

    /// <summary>
    /// Loads the weights and the optimizer's state and step count into <paramref name="network"/>
    /// and <paramref name="optimizer"/>, after checking that everything fits; on any error neither changes.
    /// </summary>
    internal void Restore(INetwork network, Optimizer optimizer)
    {
        if (Architecture != network.ArchitectureName)
            throw new InvalidOperationException($"The checkpoint in {Directory} is of {Architecture}, not {network.ArchitectureName}.");
        string optimizerName = optimizer.GetType().Name;
        if (Optimizer != optimizerName)
            throw new InvalidOperationException($"The checkpoint in {Directory} was trained with {Optimizer}; resume it with {Optimizer}, not {optimizerName}.");

        IReadOnlyList<KeyValuePair<string, Tensor>> state = optimizer.State;
        var values = new List<float[]>();
        if (state.Count > 0)
        {
            if (OptimizerPath is null) throw new InvalidOperationException($"The checkpoint in {Directory} has no optimizer state, but {optimizerName} keeps some.");
            using SafeTensorsFile file = SafeTensorsFile.Open(OptimizerPath);
            foreach ((string name, Tensor tensor) in state)
            {
                if (!file.TryGetTensor(name, out SafeTensorInfo? info) || info.ElementCount != tensor.Length)
                    throw new ModelFormatException(OptimizerPath, network.ArchitectureName, [$"'{name}' should hold {tensor.Length} values"]);
                float[] buffer = new float[tensor.Length];
                file.ReadAsSingle(info, buffer);
                values.Add(buffer);
            }
        }
        ModelFile.Load(network, ModelPath);
        for (int i = 0; i < state.Count; i++) network.Backend.Upload(values[i], state[i].Value);
        optimizer.Steps = OptimizerSteps;
        optimizer.LearningRate = (float)LearningRate;
        if (Dropout is { } dropout) network.DropoutState = dropout;
    }

    private string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("version", Version);
            json.WriteString("architecture", Architecture);
            json.WriteString("model_file", Path.GetFileName(ModelPath));
            if (OptimizerPath is null) json.WriteNull("optimizer_file");
            else json.WriteString("optimizer_file", Path.GetFileName(OptimizerPath));
            json.WriteString("optimizer", Optimizer);
            json.WriteNumber("epoch", Epoch);
            json.WriteNumber("batches_done", BatchesDone);
            json.WriteNumber("step", Step);
            json.WriteNumber("optimizer_steps", OptimizerSteps);
            HistoryFile.WriteNumber(json, "learning_rate", LearningRate);
            HistoryFile.WriteNumber(json, "initial_learning_rate", InitialLearningRate);
            json.WriteNumber("seed", Seed);
            if (Dropout is { } state)
            {
                json.WriteStartObject("dropout");
                json.WriteNumber("seed", state.Seed);
                json.WriteNumber("mask_stream", state.MaskStream);
                json.WriteEndObject();
            }
            json.WriteNumber("batch_size", BatchSize);
            json.WriteNumber("batches_per_epoch", BatchesPerEpoch);
            HistoryFile.WriteNumber(json, "epoch_loss_sum", EpochLossSum);
            json.WriteNumber("epoch_correct", EpochCorrect);
            json.WriteNumber("epoch_samples", EpochSamples);
            json.WriteNumber("epoch_seconds", EpochSeconds);
            json.WritePropertyName("history");
            HistoryFile.WriteRows(json, History);
            json.WriteStartObject("callbacks");
            foreach ((string key, IReadOnlyDictionary<string, double> values) in Callbacks)
            {
                json.WriteStartObject(key);
                foreach ((string name, double value) in values) HistoryFile.WriteNumber(json, name, value);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(model|optimizer)-[0-9]{8,}\.safetensors$")]
    private static partial System.Text.RegularExpressions.Regex TensorFileName();
}

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

    /// <summary>The checkpoint's directory, which holds <see cref="StateFileName"/> and the tensor files.</summary>
    public required string Directory { get; init; }
    /// <summary>The network's <see cref="INetwork.ArchitectureName"/>; a resume into another architecture is refused.</summary>
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

    /// <summary>The optimizer's <see cref="Optimizer.Steps"/>, restored so that bias correction and momentum start-up continue.</summary>
    public required int OptimizerSteps { get; init; }
    /// <summary>The optimizer's learning rate when saved (after any schedule or plateau reduction).</summary>
    public required double LearningRate { get; init; }
    /// <summary>The learning rate the run started with, which schedules are computed from.</summary>
    public required double InitialLearningRate { get; init; }
    /// <summary>The run's <see cref="FitOptions.Seed"/>, so that the shuffle order continues.</summary>
    public required ulong Seed { get; init; }

    /// <summary>The network's <see cref="INetwork.DropoutState"/>; absent (and not restored) in checkpoints written before it was kept.</summary>
    public DropoutState? Dropout { get; init; }
    /// <summary>Samples per step on each rank.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Batches per epoch on each rank (its shard's, in a data-parallel run).</summary>
    public required int BatchesPerEpoch { get; init; }

    /// <summary>
    /// The number of ranks that trained it (<see cref="FitOptions.Distributed"/>); 1 for one process,
    /// and in checkpoints written before it was kept. A resume must have the same world size.
    /// </summary>
    public int WorldSize { get; init; } = 1;

    /// <summary>Sums over the trained part of the unfinished epoch (of all ranks), so its row comes out as in an uninterrupted run.</summary>
    public double EpochLossSum { get; init; }
    /// <summary>Correctly classified samples so far in the unfinished epoch (all ranks).</summary>
    public long EpochCorrect { get; init; }
    /// <summary>Samples trained so far in the unfinished epoch (all ranks).</summary>
    public long EpochSamples { get; init; }
    /// <summary>Seconds spent so far in the unfinished epoch, added to its row's time.</summary>
    public double EpochSeconds { get; init; }

    /// <summary>One row per finished epoch.</summary>
    public required IReadOnlyList<EpochResult> History { get; init; }

    /// <summary>Stateful callbacks' state by <see cref="IStatefulCallback.StateKey"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Callbacks { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, double>>();

    /// <summary>
    /// Reads the description of the checkpoint in <paramref name="directory"/> (not the tensors),
    /// checking every field: counts in range and consistent with each other (batches done within
    /// the epoch, one history row per finished epoch), numbers finite, and the tensor files plain
    /// names inside <paramref name="directory"/>. So a resume that gets this far fails, if at all,
    /// on the tensor files, which are checked whole before anything is loaded.
    /// </summary>
    /// <exception cref="FileNotFoundException">The directory holds no <c>state.json</c>.</exception>
    /// <exception cref="FormatException">The description is malformed or out of range; the message names the file and the field.</exception>
    public static TrainingCheckpoint Read(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string statePath = Path.Combine(directory, StateFileName);
        if (!File.Exists(statePath))
            throw new FileNotFoundException($"{directory} is not a training checkpoint: it has no {StateFileName}.", statePath);
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(statePath));
            var state = new StateReader(document.RootElement, statePath);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("format", out JsonElement format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
                throw new FormatException($"{statePath} is not a Cnn training checkpoint (no \"format\": \"{Format}\").");
            int version = state.Int("version", int.MinValue, int.MaxValue);
            if (version != Version) throw new FormatException($"{statePath} has version {version}; this build reads version {Version}.");

            int batchSize = state.Int("batch_size", 1, int.MaxValue);
            int batchesPerEpoch = state.Int("batches_per_epoch", 1, int.MaxValue);
            int epoch = state.Int("epoch", 1, int.MaxValue);
            int batchesDone = state.Int("batches_done", 0, batchesPerEpoch);
            int worldSize = document.RootElement.TryGetProperty("world_size", out _) ? state.Int("world_size", 1, int.MaxValue) : 1;
            // The epoch's sums are of all ranks' samples.
            long epochSamples = state.Long("epoch_samples", 0, (long)batchesDone * batchSize * worldSize);
            IReadOnlyList<EpochResult> history = HistoryFile.ReadRows(state.Get("history"), $"{statePath}: history");
            if (history.Count != epoch - 1)
                throw new FormatException($"{statePath}: \"history\" has {history.Count} row(s), but \"epoch\" {epoch} follows {epoch - 1} finished epoch(s).");
            for (int i = 0; i < history.Count; i++)
            {
                if (history[i].Epoch != i + 1) throw new FormatException($"{statePath}: history row {i} is of epoch {history[i].Epoch}, not {i + 1}.");
            }

            var callbacks = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
            JsonElement callbackStates = state.Get("callbacks");
            if (callbackStates.ValueKind != JsonValueKind.Object) throw new FormatException($"{statePath}: \"callbacks\" is {callbackStates.ValueKind}, not an object.");
            foreach (JsonProperty callback in callbackStates.EnumerateObject())
            {
                if (callback.Value.ValueKind != JsonValueKind.Object) throw new FormatException($"{statePath}: callbacks.{callback.Name} is {callback.Value.ValueKind}, not an object.");
                var values = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (JsonProperty value in callback.Value.EnumerateObject())
                    values[value.Name] = HistoryFile.ReadNumber(value.Value, $"{statePath}: callbacks.{callback.Name}.{value.Name}");
                callbacks[callback.Name] = values;
            }
            string? optimizerFile = state.FileName("optimizer_file", optional: true);
            return new TrainingCheckpoint
            {
                Directory = directory,
                Architecture = state.Text("architecture"),
                ModelPath = Path.Combine(directory, state.FileName("model_file", optional: false)!),
                OptimizerPath = optimizerFile is null ? null : Path.Combine(directory, optimizerFile),
                Optimizer = state.Text("optimizer"),
                Epoch = epoch,
                BatchesDone = batchesDone,
                Step = state.Long("step", 0, long.MaxValue),
                OptimizerSteps = state.Int("optimizer_steps", 0, int.MaxValue),
                LearningRate = state.Number("learning_rate"),
                InitialLearningRate = state.Number("initial_learning_rate"),
                Seed = state.UInt64(document.RootElement, "seed"),
                Dropout = document.RootElement.TryGetProperty("dropout", out JsonElement dropout)
                    ? new DropoutState(state.UInt64(dropout, "seed"), state.UInt64(dropout, "mask_stream"))
                    : null,
                BatchSize = batchSize,
                BatchesPerEpoch = batchesPerEpoch,
                WorldSize = worldSize,
                EpochLossSum = state.Number("epoch_loss_sum", negative: true),
                EpochCorrect = state.Long("epoch_correct", 0, epochSamples),
                EpochSamples = epochSamples,
                EpochSeconds = state.Number("epoch_seconds"),
                History = history,
                Callbacks = callbacks,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FormatException($"{statePath} is malformed: {e.Message}", e);
        }
    }

    /// <summary>Typed, range-checked reads of state.json's fields, each error naming the file and the field.</summary>
    private readonly struct StateReader(JsonElement root, string statePath)
    {
        public JsonElement Get(string name) => Get(root, name);

        public JsonElement Get(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
                ? value
                : throw new FormatException($"{statePath} has no \"{name}\".");

        public int Int(string name, int min, int max) => (int)Long(name, min, max);

        public long Long(string name, long min, long max)
        {
            JsonElement value = Get(name);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long number))
                throw Invalid(name, value, "a whole number");
            if (number < min || number > max) throw Invalid(name, value, $"a whole number from {min} to {max}");
            return number;
        }

        public ulong UInt64(JsonElement element, string name)
        {
            JsonElement value = Get(element, name);
            return value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out ulong number)
                ? number
                : throw Invalid(name, value, $"a whole number from 0 to {ulong.MaxValue}");
        }

        /// <summary>A finite number, not negative unless <paramref name="negative"/>.</summary>
        public double Number(string name, bool negative = false)
        {
            JsonElement value = Get(name);
            double number = HistoryFile.ReadNumber(value, $"{statePath}: \"{name}\"");
            if (!double.IsFinite(number) || number < 0 && !negative) throw Invalid(name, value, negative ? "a finite number" : "a finite number, not negative");
            return number;
        }

        public string Text(string name)
        {
            JsonElement value = Get(name);
            return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : throw Invalid(name, value, "a non-empty string");
        }

        /// <summary>
        /// A tensor file's name: a plain name in the checkpoint's own folder, never a path, so that a
        /// crafted checkpoint cannot make a resume read, or a later save delete, files elsewhere.
        /// </summary>
        public string? FileName(string name, bool optional)
        {
            JsonElement value = Get(name);
            if (optional && value.ValueKind == JsonValueKind.Null) return null;
            string? file = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            if (file is null || file.Length == 0 || file is "." or ".." || Path.GetFileName(file) != file || Path.IsPathRooted(file)
                || file.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || file.Contains('/') || file.Contains('\\'))
                throw Invalid(name, value, "the plain name of a file in the checkpoint's folder");
            return file;
        }

        private FormatException Invalid(string name, JsonElement value, string expected)
        {
            string raw = value.GetRawText();
            if (raw.Length > 60) raw = raw[..57] + "...";
            return new FormatException($"{statePath}: \"{name}\" is {raw}, not {expected}.");
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
                if (!file.TryGetTensor(name, out SafeTensorInfo? info) || info.ElementCount != tensor.Length || !info.DType.ConvertsToSingle())
                    throw new ModelFormatException(OptimizerPath, network.ArchitectureName, [$"'{name}' should hold {tensor.Length} float values"]);
                float[] buffer = new float[tensor.Length];
                file.ReadAsSingle(info, buffer);
                int bad = NetworkValues.IndexOfNonFinite(buffer);
                if (bad >= 0)
                    throw new ModelFormatException(OptimizerPath, network.ArchitectureName, [FormattableString.Invariant($"'{name}' holds {buffer[bad]} at index {bad}")]);
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
            json.WriteNumber("world_size", WorldSize);
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

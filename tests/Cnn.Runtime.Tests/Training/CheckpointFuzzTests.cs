using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Training;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.Runtime.Tests.Training;

/// <summary>
/// Structured and random mutations of a real resumable checkpoint (its state.json, model file and
/// optimizer file), with fixed seeds: every resume either loads or fails with a documented
/// exception naming the checkpoint's folder or file, and a failed resume leaves the network and
/// optimizer exactly as they were.
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly TrainingData.TempDirectory _base = new();
    private readonly TrainingData.TempDirectory _case = new();

    public void Dispose()
    {
        _base.Dispose();
        _case.Dispose();
    }

    private static readonly string[] Hostile =
    [
        "-5", "-3", "-1", "0", "1", "2", "3", "4", "5", "6", "1000000", "1e30", "1.5", "2147483648", "9223372036854775808",
        "18446744073709551616", "1e400", "\"x\"", "\"\"", "null", "true", "[]", "{}", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"",
        "\"/etc/passwd\"", "\"../model-00000006.safetensors\"", "\"sub/model-00000006.safetensors\"", "\".\"", "\"..\"",
        "\"model-00000006.safetensors\"", "\"optimizer-00000006.safetensors\"", "\"state.json\"", "\"trainer.lock\"",
    ];

    private static ICallback[] Callbacks() => [new EarlyStopping("loss", patience: 3)];

    /// <summary>Epoch 2 with 2 of its 4 batches done, an Adam state and a callback's state: every field of state.json in use.</summary>
    private void CreateBase()
    {
        using var network = new PatternNet(10, seed: 4);
        using var optimizer = new Adam(network, 0.02f);
        using var cancellation = new CancellationTokenSource();
        var trigger = new LambdaCallback { BatchEnd = (_, b) => { if (b.Epoch == 2 && b.Batch == 2) cancellation.Cancel(); } };
        Assert.Throws<TrainingCanceledException>(() => network.Fit(CheckpointFiles.Train, null, CheckpointFiles.Options(optimizer) with
        {
            Epochs = 3, CheckpointDirectory = _base.Path, CancellationToken = cancellation.Token, Callbacks = [.. Callbacks(), trigger],
        }));
    }

    [Fact]
    public void MutatedCheckpoints_ResumeOrFailWithTheDocumentedExceptionNamingTheFile_AndLeaveTheNetworkUnchanged()
    {
        var clock = Stopwatch.StartNew();
        CreateBase();
        Dictionary<string, byte[]> original = Directory.GetFiles(_base.Path).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        Assert.Equal(["model-00000006.safetensors", "optimizer-00000006.safetensors", "state.json"], original.Keys.Order());
        string state = Encoding.UTF8.GetString(original["state.json"]);

        var cases = new List<(string Name, string File, byte[] Bytes)>();
        cases.AddRange(StructuredState(state).Select(c => (c.Name, "state.json", Encoding.UTF8.GetBytes(c.Json))));
        int structured = cases.Count;
        var random = new Random(14);
        cases.AddRange(RandomText(state, random, 400).Select(c => (c.Name, "state.json", c.Bytes)));
        foreach (string tensorFile in new[] { "model-00000006.safetensors", "optimizer-00000006.safetensors" })
        {
            byte[] file = original[tensorFile];
            IEnumerable<FileMutations.Mutation> mutations = FileMutations.BitFlips(file, 100, seed: 14)
                .Concat(FileMutations.RangeOverwrites(file, 50, seed: 15))
                .Concat(FileMutations.Truncations(file, step: Math.Max(1, file.Length / 50)));
            cases.AddRange(mutations.Select(m => ($"{tensorFile}: {m.Name}", tensorFile, m.Bytes)));
        }

        var failures = new List<string>();
        int resumed = 0, refused = 0;
        foreach ((string name, string file, byte[] bytes) in cases)
        {
            foreach ((string originalName, byte[] contents) in original) File.WriteAllBytes(Path.Combine(_case.Path, originalName), contents);
            File.WriteAllBytes(Path.Combine(_case.Path, file), bytes);

            using var network = new PatternNet(10, seed: 99);
            using var optimizer = new Adam(network, 0.02f);
            byte[] before = Bits(CheckpointFiles.State(network, optimizer));
            try
            {
                // Epochs = 1: the checkpoint is in epoch 2, so a resume that succeeds only loads.
                network.Fit(CheckpointFiles.Train, null, CheckpointFiles.Options(optimizer) with { ResumeFrom = _case.Path, Callbacks = Callbacks() });
                resumed++;
            }
            catch (Exception e) when (e is FormatException or FileNotFoundException or SafeTensorsFormatException or ModelFormatException
                or InvalidOperationException or ArgumentException)
            {
                refused++;
                if (!e.Message.Contains(_case.Path, StringComparison.Ordinal))
                    failures.Add($"{name}: {e.GetType().Name} does not name the checkpoint: {e.Message}");
                if (!Bits(CheckpointFiles.State(network, optimizer)).AsSpan().SequenceEqual(before))
                    failures.Add($"{name}: the network or optimizer changed although the resume failed ({e.Message})");
            }
            catch (Exception e)
            {
                failures.Add($"{name}: undocumented {e.GetType().Name}: {e.Message}");
            }
        }

        output.WriteLine($"checkpoint fuzz: {cases.Count} cases ({structured} structured state.json, {cases.Count - structured} random state.json, " +
            $"model and optimizer files, seed 14): {resumed} resumed, {refused} refused, in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(resumed > 0 && refused > 0, $"{resumed} resumed, {refused} refused");
    }

    private static byte[] Bits(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static IEnumerable<(string Name, string Json)> StructuredState(string state)
    {
        JsonObject Parse() => JsonNode.Parse(state)!.AsObject();
        foreach (string field in Parse().Select(p => p.Key).ToArray())
        {
            foreach (string value in Hostile)
            {
                JsonObject edited = Parse();
                edited[field] = JsonNode.Parse(value);
                yield return ($"{field} = {value}", edited.ToJsonString());
            }
            JsonObject removed = Parse();
            removed.Remove(field);
            yield return ($"without {field}", removed.ToJsonString());
        }
        foreach (string field in Parse()["history"]![0]!.AsObject().Select(p => p.Key).ToArray())
        {
            foreach (string value in Hostile)
            {
                JsonObject edited = Parse();
                edited["history"]![0]![field] = JsonNode.Parse(value);
                yield return ($"history[0].{field} = {value}", edited.ToJsonString());
            }
        }
        foreach ((string path, Action<JsonObject> edit) in new (string, Action<JsonObject>)[]
        {
            ("history empty", s => s["history"] = new JsonArray()),
            ("history doubled", s => s["history"]!.AsArray().Add(s["history"]![0]!.DeepClone())),
            ("history row not an object", s => s["history"]![0] = 5),
            ("callbacks.early_stopping.loss without wait", s => s["callbacks"]!["early_stopping.loss"]!.AsObject().Remove("wait")),
            ("callbacks.early_stopping.loss.wait = 1e30", s => s["callbacks"]!["early_stopping.loss"]!["wait"] = 1e30),
            ("callbacks.early_stopping.loss = 5", s => s["callbacks"]!["early_stopping.loss"] = 5),
            ("callbacks.early_stopping.loss = {}", s => s["callbacks"]!["early_stopping.loss"] = new JsonObject()),
            ("callbacks with another key", s => s["callbacks"]!["other"] = new JsonObject { ["x"] = 1 }),
            ("dropout.seed = -1", s => s["dropout"]!["seed"] = -1),
            ("dropout without mask_stream", s => s["dropout"]!.AsObject().Remove("mask_stream")),
            ("dropout = 5", s => s["dropout"] = 5),
            ("unknown field", s => s["unknown"] = 1),
            ("a JSON array", _ => throw new NotSupportedException()),
        })
        {
            if (path == "a JSON array")
            {
                yield return (path, "[" + state + "]");
                continue;
            }
            JsonObject edited = Parse();
            edit(edited);
            yield return (path, edited.ToJsonString());
        }
        yield return ("empty", "");
        yield return ("not UTF-8 JSON", "\u00ff\u00fe{");
    }

    private static IEnumerable<(string Name, byte[] Bytes)> RandomText(string state, Random random, int count)
    {
        const string JsonChars = "{}[]\",:0123456789-.eE aFxnul\\/";
        byte[] original = Encoding.UTF8.GetBytes(state);
        for (int i = 0; i < count; i++)
        {
            byte[] copy = (byte[])original.Clone();
            string what;
            switch (random.Next(4))
            {
                case 0:
                    int changes = random.Next(1, 4);
                    for (int c = 0; c < changes; c++) copy[random.Next(copy.Length)] = (byte)JsonChars[random.Next(JsonChars.Length)];
                    what = $"{changes} character(s) replaced";
                    break;
                case 1:
                    int length = random.Next(copy.Length);
                    copy = copy[..length];
                    what = $"truncated to {length}";
                    break;
                case 2:
                    int start = random.Next(copy.Length), end = Math.Min(copy.Length, start + random.Next(1, 16));
                    copy = [.. copy[..start], .. copy[end..]];
                    what = $"characters {start} to {end} removed";
                    break;
                default:
                    int flips = random.Next(1, 4);
                    for (int f = 0; f < flips; f++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                    what = $"{flips} bit flip(s)";
                    break;
            }
            yield return ($"state.json random {i}: {what}", copy);
        }
    }
}

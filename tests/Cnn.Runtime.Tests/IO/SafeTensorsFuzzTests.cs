using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.IO.Tests;

/// <summary>
/// Structured and random mutations of a valid model file, with fixed seeds: every one either loads
/// whole or fails with the documented exception naming the file, and a failed load leaves the
/// network as it was.
/// </summary>
public sealed class SafeTensorsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int RandomCases = 1500;

    private readonly SafeTensorsTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static readonly string[] Hostile =
        ["null", "-1", "0", "1", "1e30", "1.5", "-0", "\"x\"", "\"\"", "true", "[]", "{}", "9223372036854775807", "18446744073709551616", "1e400"];

    private static readonly string[] Shapes =
        ["[]", "[0]", "[-1]", "[1,1,1,1,1,1]", "[4294967296,4294967296]", "[3074457345618258602,3]", "[\"1\"]", "[1.5]", "[9223372036854775807]"];

    private static readonly string[] Offsets =
        ["[0,0]", "[0]", "[0,1,2]", "[5,4]", "[-1,4]", "[0,9223372036854775807]", "[0,1e30]", "[\"0\",\"4\"]", "[8,8]"];

    private static readonly string[] DTypes =
        ["\"F64\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"I32\"", "\"U8\"", "\"BOOL\"", "\"F8_E4M3\"", "\"f32\"", "\"Q4\""];

    private static readonly string[] InputShapes =
        ["65536,65536,65536", "2147483647,2,1", "0,1,1", "-1,2,2", "1,8", "", "a", "1,8,8,1", "2147483648", "1,8,8", "64"];

    private static readonly string[] ClassNames = ["[", "[1]", "{}", "[\"a\"]", "null", "[\"a\",null]"];

    [Fact]
    public void MutatedModelFiles_LoadWhole_OrFailWithTheDocumentedExceptionNamingTheFile()
    {
        var clock = Stopwatch.StartNew();
        using var source = new BufferedTestNet(seed: 1);
        source.Backend.Upload([0.5f, -1.25f, 3e-8f, 7, 1.5f, 0.75f, 2, 1e6f, 42], source.Buffers);
        string valid = _files.PathOf("valid.safetensors");
        ModelFile.Save(source, valid, new ModelMetadata(["a", "b", "c"]));
        byte[] file = File.ReadAllBytes(valid);

        List<(string Name, byte[] Bytes)> structured = Structured(file).ToList();
        List<(string Name, byte[] Bytes)> random = RandomMutations(file, new Random(14), RandomCases).ToList();

        using var target = new BufferedTestNet(seed: 2);
        var failures = new List<string>();
        int loaded = 0, refused = 0, index = 0;
        foreach ((string name, byte[] bytes) in structured.Concat(random))
        {
            string path = _files.Write($"case-{index++:D4}.safetensors", bytes);
            byte[] before = State(target);
            try
            {
                ModelFile.Load(target, path);
                ModelFile.ReadMetadata(path);
                loaded++;
            }
            catch (Exception e) when (e is SafeTensorsFormatException or ModelFormatException)
            {
                refused++;
                string filePath = e is SafeTensorsFormatException format ? format.FilePath : ((ModelFormatException)e).FilePath;
                if (filePath != path || !e.Message.Contains(path, StringComparison.Ordinal))
                    failures.Add($"{name}: {e.GetType().Name} does not name the file: {e.Message}");
                if (!State(target).AsSpan().SequenceEqual(before))
                    failures.Add($"{name}: the network changed although the load failed ({e.Message})");
            }
            catch (Exception e)
            {
                failures.Add($"{name}: undocumented {e.GetType().Name}: {e.Message}");
            }
            File.Delete(path);
        }

        output.WriteLine($"safetensors fuzz: {structured.Count + random.Count} cases ({structured.Count} structured, {random.Count} random, seed 14): " +
            $"{loaded} loaded, {refused} refused, in {clock.Elapsed.TotalSeconds:F2} s");
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures.Take(20)));
        Assert.True(loaded > 0 && refused > 0, $"{loaded} loaded, {refused} refused");
    }

    /// <summary>Parameters and buffers as bytes, so NaN compares equal to itself.</summary>
    private static byte[] State(INetwork network)
    {
        float[] values = new float[network.Parameters.Length + network.Buffers.Length];
        network.Backend.Download(network.Parameters, values.AsSpan(0, network.Parameters.Length));
        network.Backend.Download(network.Buffers, values.AsSpan(network.Parameters.Length));
        return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
    }

    private static IEnumerable<(string, byte[])> Structured(byte[] file)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, headerLength).TrimEnd(' ');
        byte[] data = file[(8 + headerLength)..];
        JsonObject Header() => JsonNode.Parse(header)!.AsObject();
        byte[] Build(JsonObject h, byte[]? withData = null) => SafeTensorsTestFiles.Assemble(Encoding.UTF8.GetBytes(h.ToJsonString()), withData ?? data);
        string[] tensors = Header().Select(p => p.Key).Where(k => k != "__metadata__").ToArray();

        foreach (string tensor in tensors)
        {
            foreach ((string field, string[] values) in new[] { ("dtype", DTypes.Concat(Hostile)), ("shape", Shapes.Concat(Hostile)), ("data_offsets", Offsets.Concat(Hostile)) }
                .Select(f => (f.Item1, f.Item2.ToArray())))
            {
                foreach (string value in values)
                {
                    JsonObject h = Header();
                    h[tensor]![field] = JsonNode.Parse(value);
                    yield return ($"{tensor}.{field} = {value}", Build(h));
                }
                JsonObject without = Header();
                without[tensor]!.AsObject().Remove(field);
                yield return ($"{tensor} without {field}", Build(without));
            }
            foreach (string value in Hostile)
            {
                JsonObject h = Header();
                h[tensor] = JsonNode.Parse(value);
                yield return ($"{tensor} = {value}", Build(h));
            }
            JsonObject removed = Header();
            removed.Remove(tensor);
            yield return ($"without {tensor}", Build(removed));
            JsonObject renamed = Header();
            JsonNode moved = renamed[tensor]!;
            renamed.Remove(tensor);
            renamed[tensor + ".x"] = moved;
            yield return ($"{tensor} renamed", Build(renamed));
            JsonObject extra = Header();
            extra[tensor]!["extra"] = 1;
            yield return ($"{tensor} with an extra field", Build(extra));

            // Values no trained network has, at the tensor's first element.
            JsonArray offsets = Header()[tensor]!["data_offsets"]!.AsArray();
            int begin = (int)offsets[0]!.GetValue<long>();
            string dtype = Header()[tensor]!["dtype"]!.GetValue<string>();
            foreach (float value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1f, 3e38f })
            {
                byte[] poisoned = (byte[])data.Clone();
                if (dtype == "F32") BinaryPrimitives.WriteSingleLittleEndian(poisoned.AsSpan(begin), value);
                else if (!float.IsFinite(value)) continue;
                else BinaryPrimitives.WriteInt64LittleEndian(poisoned.AsSpan(begin), (long)value);
                yield return ($"{tensor}[0] = {value}", Build(Header(), poisoned));
            }
        }

        foreach (string value in Hostile)
        {
            JsonObject h = Header();
            h["__metadata__"] = JsonNode.Parse(value);
            yield return ($"__metadata__ = {value}", Build(h));
        }
        foreach ((string key, string[] values) in new[] { (ModelFile.InputShapeKey, InputShapes), (ModelFile.ClassNamesKey, ClassNames), (ModelFile.ArchitectureKey, ["", "Other", "BufferedTestNet"]) })
        {
            foreach (string value in values)
            {
                JsonObject h = Header();
                h["__metadata__"]![key] = value;
                yield return ($"metadata {key} = '{value}'", Build(h));
            }
            JsonObject h2 = Header();
            h2["__metadata__"]![key] = 5;
            yield return ($"metadata {key} = 5", Build(h2));
        }
        yield return ("__metadata__ twice", SafeTensorsTestFiles.Assemble(Encoding.UTF8.GetBytes("{\"__metadata__\":{}," + header[1..]), data));

        foreach (ulong declared in new ulong[] { 0, 1, 7, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)file.Length, 100_000_001, ulong.MaxValue, 1UL << 63 })
        {
            byte[] copy = (byte[])file.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(copy, declared);
            yield return ($"declared header length {declared}", copy);
        }
        yield return ("empty", []);
        yield return ("7 bytes", file[..7]);
        yield return ("length only", file[..8]);
        yield return ("header only", file[..(8 + headerLength)]);
        yield return ("one byte more", [.. file, 0]);
        yield return ("not UTF-8", SafeTensorsTestFiles.Assemble([0x7B, 0xFF, 0xFE, 0x7D], data));
        yield return ("a JSON array", SafeTensorsTestFiles.Assemble(Encoding.UTF8.GetBytes("[" + header + "]"), data));
    }

    private static IEnumerable<(string, byte[])> RandomMutations(byte[] file, Random random, int count)
    {
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        const string JsonBytes = "{}[]\",:0123456789-.eE aFxnul\\";
        for (int i = 0; i < count; i++)
        {
            byte[] copy = (byte[])file.Clone();
            int kind = random.Next(7);
            string what;
            switch (kind)
            {
                case 0:
                    int flips = random.Next(1, 9);
                    for (int f = 0; f < flips; f++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                    what = $"{flips} bit flip(s)";
                    break;
                case 1:
                    int at = random.Next(8, headerEnd);
                    copy[at] = (byte)JsonBytes[random.Next(JsonBytes.Length)];
                    what = $"header byte {at} = '{(char)copy[at]}'";
                    break;
                case 2:
                    int data = random.Next(headerEnd, copy.Length);
                    copy[data] = (byte)random.Next(256);
                    what = $"data byte {data} = {copy[data]}";
                    break;
                case 3:
                    int length = random.Next(copy.Length);
                    copy = copy[..length];
                    what = $"truncated to {length}";
                    break;
                case 4:
                    byte[] tail = new byte[random.Next(1, 64)];
                    random.NextBytes(tail);
                    copy = [.. copy, .. tail];
                    what = $"{tail.Length} byte(s) appended";
                    break;
                case 5:
                    int start = random.Next(copy.Length), end = Math.Min(copy.Length, start + random.Next(1, 32));
                    copy = [.. copy[..start], .. copy[end..]];
                    what = $"bytes {start} to {end} removed";
                    break;
                default:
                    int insert = random.Next(8, headerEnd);
                    byte[] inserted = Encoding.ASCII.GetBytes(new string(Enumerable.Range(0, random.Next(1, 8)).Select(_ => JsonBytes[random.Next(JsonBytes.Length)]).ToArray()));
                    copy = [.. copy[..insert], .. inserted, .. copy[insert..]];
                    what = $"'{Encoding.ASCII.GetString(inserted)}' inserted at {insert}";
                    break;
            }
            yield return ($"random {i}: {what}", copy);
        }
    }
}

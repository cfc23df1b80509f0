using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cnn.Generators.Tests.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace Cnn.Generators.Tests.Differential;

/// <summary>
/// Shape inference agrees with PyTorch 1.13 on thousands of random networks. The expectations were
/// recorded by torch_differential.py (its docstring says how to regenerate them), so this runs
/// without PyTorch: every network PyTorch accepts must build with PyTorch's per-layer output shapes,
/// parameter count and buffer count; every network PyTorch rejects must get a CNN error at the
/// attribute of the layer PyTorch fails at, whose message states the expected and the actual sizes;
/// where Cnn deliberately differs (listed in docs/diagnostics/README.md), the recorded diagnostic.
/// </summary>
public partial class TorchDifferentialTests
{
    private const int BatchSize = 100;
    private const int CompiledBatchStride = 6;

    private readonly ITestOutputHelper _output;

    public TorchDifferentialTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void RandomNetworks_AgreeWithPyTorch()
    {
        JsonElement[] networks = LoadNetworks();
        Assert.True(networks.Length >= 2000, $"only {networks.Length} networks recorded");
        var disagreements = new ConcurrentBag<(int Index, string What, string Source)>();
        var tally = new ConcurrentDictionary<string, int>();

        Parallel.ForEach(Enumerable.Range(0, (networks.Length + BatchSize - 1) / BatchSize), batch =>
        {
            int first = batch * BatchSize;
            int count = Math.Min(BatchSize, networks.Length - first);
            AttributeSourceRenderer[] rendered = Enumerable.Range(first, count).Select(i => AttributeSourceRenderer.Render(networks[i], i)).ToArray();
            CSharpCompilation compilation = GeneratorHarness.Compile(rendered.Select(r => r.Source).ToArray());
            GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation updated, out _);
            GeneratorDriverRunResult run = driver.GetRunResult();

            var diagnostics = run.Diagnostics.Where(d => d.Id.StartsWith("CNN", StringComparison.Ordinal))
                .ToLookup(d => int.Parse(d.Location.GetLineSpan().Path["Network".Length..^".cs".Length], CultureInfo.InvariantCulture));
            // A network's generated files, joined (a file of no network's namespace, if the generator adds one, is skipped).
            var generated = run.GeneratedTrees.Select(t => t.ToString())
                .Select(text => (Match: NamespacePattern().Match(text), Text: text))
                .Where(t => t.Match.Success)
                .GroupBy(t => int.Parse(t.Match.Groups[1].Value, CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => string.Concat(g.Select(t => t.Text)));

            // What PyTorch accepts must also build: the generated members compile. Binding the generated
            // code costs most of the time, so every CompiledBatchStride-th batch is compiled, a fixed sample.
            IEnumerable<Diagnostic> compiled = batch % CompiledBatchStride == 0 ? updated.GetDiagnostics() : Enumerable.Empty<Diagnostic>();
            var compileErrors = compiled.Where(d => d.Severity == DiagnosticSeverity.Error)
                .ToLookup(d => NamespacePattern().Match(d.Location.SourceTree?.ToString() ?? "") is { Success: true } m
                    ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
                    : -1);
            Assert.Empty(compileErrors[-1]);

            for (int j = 0; j < count; j++)
            {
                int index = first + j;
                foreach (Diagnostic d in diagnostics[j]) tally.AddOrUpdate(d.Id, 1, (_, n) => n + 1);
                if (compileErrors[index].Any())
                {
                    disagreements.Add((index, "the generated code does not compile: " + compileErrors[index].First(), rendered[j].Source));
                    continue;
                }
                string? problem = Compare(networks[index].GetProperty("expect"), rendered[j], diagnostics[j].ToArray(), generated.GetValueOrDefault(index));
                if (problem is not null) disagreements.Add((index, problem, rendered[j].Source));
            }
        });

        int accepted = networks.Count(n => n.GetProperty("expect").GetProperty("ok").GetBoolean());
        int deliberate = networks.Count(n => n.GetProperty("expect").TryGetProperty("deliberate", out _));
        _output.WriteLine($"{networks.Length} networks: {accepted} accepted by PyTorch, {networks.Length - accepted} rejected "
            + $"({deliberate} of them deliberate differences); {disagreements.Count} disagreements");
        _output.WriteLine("CNN diagnostics reported: " + string.Join(", ", tally.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value}")));
        var report = new StringBuilder();
        foreach ((int index, string what, string source) in disagreements.OrderBy(d => d.Index).Take(25))
        {
            report.Append($"\n--- network {index}: {what}\n{source}");
        }
        Assert.True(disagreements.IsEmpty, $"{disagreements.Count} of {networks.Length} networks disagree with PyTorch:{report}");
    }

    [Fact]
    public void DeliberateDifferences_AreExactlyTheDocumentedOnes()
    {
        string readme = File.ReadAllText(Path.Combine(Snapshot.ProjectDirectory(ThisFile()), "..", "..", "docs", "diagnostics", "README.md"));
        int section = readme.IndexOf("## Deliberate differences from PyTorch", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/diagnostics/README.md has no 'Deliberate differences from PyTorch' section");
        string[] documented = DocumentedIdPattern().Matches(readme[section..]).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();

        string[] recorded = LoadNetworks()
            .Select(n => n.GetProperty("expect"))
            .Where(e => e.TryGetProperty("deliberate", out _))
            .Select(e => e.GetProperty("deliberate").GetString()!)
            .Distinct().Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(documented, recorded);
    }

    /// <summary>Null when Cnn agrees with the recorded PyTorch result; otherwise what differs.</summary>
    private static string? Compare(JsonElement expect, AttributeSourceRenderer rendered, Diagnostic[] diagnostics, string? generated)
    {
        if (expect.GetProperty("ok").GetBoolean())
        {
            if (diagnostics.Length > 0) return "PyTorch accepts it, Cnn reports " + Describe(diagnostics, rendered);
            if (generated is null) return "PyTorch accepts it, Cnn generated nothing";
            string expectedLayers = string.Join(", ", expect.GetProperty("layers").EnumerateArray()
                .Select(l => $"{l[0].GetString()}({string.Join(", ", l.EnumerateArray().Skip(1).Select(d => d.GetInt32()))})"));
            string actualLayers = string.Join(", ", LayerInfoPattern().Matches(generated).Select(m => $"{m.Groups[1].Value}({m.Groups[2].Value})"));
            if (expectedLayers != actualLayers) return $"layer shapes differ:\n  PyTorch: {expectedLayers}\n  Cnn:     {actualLayers}";
            long parameters = long.Parse(ParameterCountPattern().Match(generated).Groups[1].Value, CultureInfo.InvariantCulture);
            long buffers = long.Parse(BufferCountPattern().Match(generated).Groups[1].Value, CultureInfo.InvariantCulture);
            if (parameters != expect.GetProperty("params").GetInt64() || buffers != expect.GetProperty("buffers").GetInt64())
            {
                return $"PyTorch counts {expect.GetProperty("params")} parameters and {expect.GetProperty("buffers")} buffer values, Cnn {parameters} and {buffers}";
            }
            return null;
        }

        int line = rendered.LineOf(expect.GetProperty("at").GetInt32());
        string torch = expect.TryGetProperty("deliberate", out JsonElement deliberate)
            ? $"PyTorch accepts it but Cnn deliberately gives {deliberate.GetString()} at line {line + 1} ({expect.GetProperty("error").GetString()})"
            : $"PyTorch fails at line {line + 1}: {expect.GetProperty("error").GetString()}";
        Diagnostic[] here = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.GetLineSpan().StartLinePosition.Line == line).ToArray();
        if (here.Length == 0) return $"{torch}; Cnn reports {Describe(diagnostics, rendered)}";
        if (deliberate.ValueKind == JsonValueKind.String && here.All(d => d.Id != deliberate.GetString())) return $"{torch}; Cnn reports {Describe(here, rendered)}";

        // The message must state the sizes that clash: each recorded number appears in it.
        // A layer with two faults records one list per fault; stating either will do.
        JsonElement recorded = expect.GetProperty("facts");
        string[][] alternatives = (recorded.GetArrayLength() > 0 && recorded[0].ValueKind == JsonValueKind.Array
                ? recorded.EnumerateArray().ToArray()
                : new[] { recorded })
            .Select(facts => facts.EnumerateArray().Select(f => f.GetInt32().ToString(CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        bool stated = here.Any(d =>
        {
            HashSet<string> numbers = NumberPattern().Matches(d.GetMessage(CultureInfo.InvariantCulture)).Select(m => m.Value).ToHashSet();
            return alternatives.Any(facts => facts.All(numbers.Contains));
        });
        return stated ? null : $"{torch}; Cnn's message does not state {string.Join(" or ", alternatives.Select(f => string.Join(", ", f)))}: {Describe(here, rendered)}";
    }

    private static string Describe(IEnumerable<Diagnostic> diagnostics, AttributeSourceRenderer rendered)
    {
        string text = string.Join("; ", diagnostics.Select(d => $"{d.Id} at line {d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.GetMessage(CultureInfo.InvariantCulture)}"));
        return text.Length == 0 ? "nothing" : text;
    }

    private static JsonElement[] LoadNetworks()
    {
        string path = Path.Combine(Snapshot.ProjectDirectory(ThisFile()), "Differential", "torch_expectations.json.gz");
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using JsonDocument document = JsonDocument.Parse(gzip);
        return document.RootElement.GetProperty("networks").EnumerateArray().Select(n => n.Clone()).ToArray();
    }

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    [GeneratedRegex(@"namespace Differential\.N(\d+)")]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"new global::Cnn\.LayerInfo\(""[^""]*"", ""([^""]*)"", (?:new global::Cnn\.TensorShape|global::Cnn\.TensorShape\.Flat)\(([^)]*)\)\)")]
    private static partial Regex LayerInfoPattern();

    [GeneratedRegex(@"public const long ParameterCount = (\d+);")]
    private static partial Regex ParameterCountPattern();

    [GeneratedRegex(@"public const long BufferCount = (\d+);")]
    private static partial Regex BufferCountPattern();

    [GeneratedRegex(@"^\| \[(CNN\d{4})\]", RegexOptions.Multiline)]
    private static partial Regex DocumentedIdPattern();

    [GeneratedRegex(@"\d+")]
    private static partial Regex NumberPattern();
}

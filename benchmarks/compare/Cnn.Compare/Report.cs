using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cnn.Compare;

/// <summary>
/// Joins both sides' JSON lines into the comparison: per cell, the median over every timed repeat
/// of every process of a side (as the reference figures were pooled), the ratio, the target and
/// pass or miss. Prints a Markdown table and writes comparison.json and comparison.png.
/// </summary>
internal static class Report
{
    public static int Run(Options o)
    {
        string results = o.Results ?? throw new ArgumentException("report needs --results FILE (the JSON lines of both sides).");
        string outDir = o.Out ?? Path.GetDirectoryName(Path.GetFullPath(results))!;
        Directory.CreateDirectory(outDir);
        List<JsonObject> records = File.ReadLines(results).Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

        var cells = new List<Cell>();
        foreach (Target target in Target.All)
        {
            Sample? cnn = Pool(records, "cnn", target.Net, target.CnnMetric, o.Threads);
            Sample? torch = Pool(records, "torch", target.Net, target.TorchMetric, o.Threads);
            if (cnn is null || torch is null) continue;
            cells.Add(new Cell(target, cnn, torch, cnn.Median / torch.Median));
        }
        if (cells.Count == 0) throw new ArgumentException($"{results} holds no cell measured on both sides.");

        string table = Table(cells, records, o.Threads);
        Console.WriteLine();
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(outDir, "comparison.md"), table);
        string json = Path.Combine(outDir, "comparison.json"), png = Path.Combine(outDir, "comparison.png");
        File.WriteAllText(json, Json(cells, records, o.Threads).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        ComparisonChart.Save(cells, png, o.Threads);
        Console.WriteLine($"wrote {json}, {png} and comparison.md");
        return 0;
    }

    /// <summary>Every timed value of one side's records for a metric, pooled over processes.</summary>
    private static Sample? Pool(List<JsonObject> records, string side, string? net, string metric, int threads)
    {
        var values = new List<double>();
        var processMedians = new List<double>();
        foreach (JsonObject r in records)
        {
            if ((string?)r["side"] != side || (string?)r["metric"] != metric) continue;
            if (net is not null && metric != "train_peak_rss_mib" && (string?)r["net"] != net) continue;
            if (metric == "train_peak_rss_mib" && !((string?)r["net"] ?? "").Split('+').Contains(net)) continue;
            if (r["threads"] is JsonNode t && (int)t != threads) continue;
            if (r["all"] is JsonArray all)
            {
                values.AddRange(all.Select(v => (double)v!));
                processMedians.Add((double)r["median"]!);
            }
            else if (r["value"] is JsonNode v)
            {
                values.Add((double)v);
                processMedians.Add((double)v);
            }
        }
        return values.Count == 0 ? null : new Sample(Measurements.Median(values), values.Min(), values.Max(), values.Count, processMedians);
    }

    private static string Table(List<Cell> cells, List<JsonObject> records, int threads)
    {
        var s = new StringBuilder();
        int processes = records.Count(r => (string?)r["side"] == "cnn" && (string?)r["metric"] == "train_img_per_s" && (string?)r["net"] == cells[0].Target.Net);
        s.AppendLine($"Cnn (fast CPU backend) vs PyTorch {TorchVersion(records)} (OpenBLAS + oneDNN), {threads} threads each, float32.");
        s.AppendLine($"Cells: median over all timed repeats of {processes} process(es) per side (min–max); ratio = Cnn / PyTorch.");
        s.AppendLine();
        s.AppendLine("| network | metric | Cnn | PyTorch | Cnn/PyTorch | target | result |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---|");
        string? group = null;
        foreach (Cell c in cells)
        {
            string name = c.Target.Group == group ? "" : c.Target.Group;
            group = c.Target.Group;
            string torchLabel = c.Target.TorchMetric.StartsWith("numpy", StringComparison.Ordinal) ? " (numpy)" : "";
            s.AppendLine($"| {name} | {c.Target.Label} [{c.Target.Unit}] | {Format(c.Cnn)} | {Format(c.Torch)}{torchLabel} | {c.Ratio:F2}× | {c.Target.Comparison}{c.Target.Ratio:0.0#}× | {(c.Pass ? "pass" : "MISS")} |");
        }
        int passed = cells.Count(c => c.Pass);
        s.AppendLine();
        s.AppendLine($"{passed} of {cells.Count} targets met.");
        return s.ToString();
    }

    private static string Format(Sample x)
    {
        string f = x.Median >= 100 ? "N0" : "N1";
        return x.Count > 1 ? $"{x.Median.ToString(f, CultureInfo.InvariantCulture)} ({x.Min.ToString(f, CultureInfo.InvariantCulture)}–{x.Max.ToString(f, CultureInfo.InvariantCulture)})"
                           : x.Median.ToString(f, CultureInfo.InvariantCulture);
    }

    private static string TorchVersion(List<JsonObject> records) =>
        records.Where(r => (string?)r["metric"] == "environment").Select(r => (string?)r["torch"]).FirstOrDefault() ?? "";

    private static JsonObject Json(List<Cell> cells, List<JsonObject> records, int threads)
    {
        JsonNode? environment = records.FirstOrDefault(r => (string?)r["metric"] == "environment")?.DeepClone();
        var array = new JsonArray();
        foreach (Cell c in cells)
        {
            array.Add(new JsonObject
            {
                ["group"] = c.Target.Group,
                ["net"] = c.Target.Net,
                ["metric"] = c.Target.Label,
                ["unit"] = c.Target.Unit,
                ["cnn"] = c.Cnn.ToJson(),
                ["torch"] = c.Torch.ToJson(),
                ["torch_source"] = c.Target.TorchMetric,
                ["ratio"] = Math.Round(c.Ratio, 4),
                ["target"] = $"{c.Target.Comparison}{c.Target.Ratio}",
                ["pass"] = c.Pass,
            });
        }
        return new JsonObject
        {
            ["generated_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            ["threads"] = threads,
            ["machine"] = $"{Environment.ProcessorCount} processors, .NET {Environment.Version}",
            ["torch_environment"] = environment,
            ["targets_met"] = cells.Count(c => c.Pass),
            ["targets"] = cells.Count,
            ["cells"] = array,
        };
    }
}

/// <summary>One side's pooled values for a cell.</summary>
internal sealed record Sample(double Median, double Min, double Max, int Count, List<double> ProcessMedians)
{
    public JsonObject ToJson() => new()
    {
        ["median"] = Math.Round(Median, 3),
        ["min"] = Math.Round(Min, 3),
        ["max"] = Math.Round(Max, 3),
        ["n"] = Count,
        ["process_medians"] = new JsonArray(ProcessMedians.Select(v => (JsonNode)Math.Round(v, 3)).ToArray()),
    };
}

/// <summary>A row of the comparison.</summary>
internal sealed record Cell(Target Target, Sample Cnn, Sample Torch, double Ratio)
{
    public bool Pass => Target.Passes(Ratio);
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cnn.Compare;

/// <summary>
/// Joins every side's JSON lines (Cnn, PyTorch, ONNX Runtime) into the comparison: per row, the
/// median over every timed repeat of every process of a side (as the reference figures were pooled),
/// the ratios Cnn/PyTorch and Cnn/ONNX Runtime, their targets and met or missed. Prints a Markdown
/// table with the environment (versions, PyTorch's OpenBLAS kernel, the measured FMA peak) and writes
/// comparison.md, comparison.json and comparison.png.
/// </summary>
internal static class Report
{
    public static int Run(Options o)
    {
        string results = o.Results ?? throw new ArgumentException("report needs --results FILE (the JSON lines of the sides).");
        string outDir = o.Out ?? Path.GetDirectoryName(Path.GetFullPath(results))!;
        Directory.CreateDirectory(outDir);
        List<JsonObject> records = File.ReadLines(results).Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

        var rows = new List<ComparisonRow>();
        foreach (Target target in Target.All)
        {
            Sample? cnn = Pool(records, "cnn", target.Net, target.CnnMetric, o.Threads);
            Sample? torch = Pool(records, "torch", target.Net, target.TorchMetric, o.Threads);
            Sample? ort = Pool(records, "ort", target.Net, target.CnnMetric, o.Threads);
            if (cnn is null || (torch is null && ort is null)) continue;
            rows.Add(new ComparisonRow(target, cnn, torch, ort));
        }
        if (rows.Count == 0) throw new ArgumentException($"{results} holds no row measured on the Cnn side and another.");

        string table = Table(rows, records, o.Threads);
        Console.WriteLine();
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(outDir, "comparison.md"), table);
        string json = Path.Combine(outDir, "comparison.json"), png = Path.Combine(outDir, "comparison.png");
        File.WriteAllText(json, Json(rows, records, o.Threads).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        ComparisonChart.Save(rows, png, o.Threads);
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

    private static string Table(List<ComparisonRow> rows, List<JsonObject> records, int threads)
    {
        var s = new StringBuilder();
        int processes = records.Count(r => (string?)r["side"] == "cnn" && (string?)r["metric"] == "train_img_per_s" && (string?)r["net"] == rows[0].Target.Net);
        s.AppendLine($"Cnn (fast CPU backend) vs PyTorch {Environment(records, "torch", "torch")} (OpenBLAS + oneDNN) and ONNX Runtime {Environment(records, "ort", "onnxruntime")} " +
                     $"(CPU execution provider, ORT_ENABLE_ALL), {threads} threads each, float32.");
        s.AppendLine($"PyTorch's BLAS: {Blas(records)}.");
        s.AppendLine($"This machine's fp32 FMA peak, measured: {Peak(records)}.");
        s.AppendLine($"Cells: median over all timed repeats of {processes} process(es) per side (min–max); ratio = Cnn / other side.");
        s.AppendLine();
        s.AppendLine("| network | metric | Cnn | PyTorch | ONNX Runtime | Cnn/PyTorch | target | | Cnn/ORT | target | |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|");
        string? group = null;
        foreach (ComparisonRow row in rows)
        {
            string name = row.Target.Group == group ? "" : row.Target.Group;
            group = row.Target.Group;
            string torchLabel = row.Target.TorchMetric.StartsWith("numpy", StringComparison.Ordinal) ? " (numpy)" : "";
            string torch = row.Torch is null ? "–" : Format(row.Torch) + torchLabel, ort = row.Ort is null ? "–" : Format(row.Ort);
            s.AppendLine($"| {name} | {row.Target.Label} [{row.Target.Unit}] | {Format(row.Cnn)} | {torch} | {ort} | {RatioCells(row.VsTorch)} | {RatioCells(row.VsOrt)} |");
        }
        List<Ratio> judged = rows.SelectMany(r => r.Ratios).Where(r => r.Pass is not null).ToList();
        s.AppendLine();
        s.AppendLine($"{judged.Count(r => r.Pass == true)} of {judged.Count} targets met.");
        return s.ToString();
    }

    private static string RatioCells(Ratio? ratio) => ratio is null ? "– | | " : $"{ratio.Value:F2}× | {ratio.GoalText} | {ratio.PassText}";

    private static string Format(Sample x)
    {
        string f = x.Median >= 100 ? "N0" : "N1";
        return x.Count > 1 ? $"{x.Median.ToString(f, CultureInfo.InvariantCulture)} ({x.Min.ToString(f, CultureInfo.InvariantCulture)}–{x.Max.ToString(f, CultureInfo.InvariantCulture)})"
                           : x.Median.ToString(f, CultureInfo.InvariantCulture);
    }

    /// <summary>A field of a side's environment record (its library's version).</summary>
    private static string Environment(List<JsonObject> records, string side, string field) =>
        records.Where(r => (string?)r["side"] == side && (string?)r["metric"] == "environment").Select(r => (string?)r[field]).FirstOrDefault() ?? "";

    /// <summary>The OpenBLAS kernel PyTorch's processes ran (threadpoolctl's architecture), and the variables that would force one.</summary>
    private static string Blas(List<JsonObject> records)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (JsonObject r in records.Where(r => (string?)r["side"] == "torch" && (string?)r["metric"] == "blas"))
        {
            var pools = (r["threadpools"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(p => $"{(string?)p["internal_api"]} {(string?)p["version"]} ({(string?)p["threading_layer"]}), kernel {(string?)p["architecture"]}");
            string variables = $"OPENBLAS_CORETYPE {(string?)r["OPENBLAS_CORETYPE"] ?? "unset"}, OPENBLAS_L2_SIZE {(string?)r["OPENBLAS_L2_SIZE"] ?? "unset"}";
            seen.Add($"{string.Join("; ", pools.DefaultIfEmpty("not recorded (no threadpoolctl)"))}; {variables}");
        }
        return seen.Count == 0 ? "not recorded" : string.Join(" | ", seen);
    }

    /// <summary>The median of the peak probe's processes, per thread count.</summary>
    private static string Peak(List<JsonObject> records)
    {
        var byThreads = records.Where(r => (string?)r["side"] == "cnn" && (string?)r["metric"] == "fma_peak_gflops")
            .GroupBy(r => (int)r["threads"]!).OrderBy(g => g.Key)
            .Select(g => $"{Measurements.Median(g.Select(r => (double)r["value"]!).ToList()):F0} GFLOP/s on {g.Key} thread{(g.Key == 1 ? "" : "s")}").ToList();
        return byThreads.Count == 0 ? "not measured" : string.Join(", ", byThreads);
    }

    private static JsonObject Json(List<ComparisonRow> rows, List<JsonObject> records, int threads)
    {
        var array = new JsonArray();
        foreach (ComparisonRow row in rows)
        {
            var ratios = new JsonObject();
            foreach (Ratio ratio in row.Ratios)
            {
                ratios[ratio.Against] = new JsonObject
                {
                    ["ratio"] = Math.Round(ratio.Value, 4),
                    ["target"] = ratio.Goal is { } goal ? $"{row.Target.Comparison}{goal}" : null,
                    ["pass"] = ratio.Pass,
                };
            }
            array.Add(new JsonObject
            {
                ["group"] = row.Target.Group,
                ["net"] = row.Target.Net,
                ["metric"] = row.Target.Label,
                ["unit"] = row.Target.Unit,
                ["cnn"] = row.Cnn.ToJson(),
                ["torch"] = row.Torch?.ToJson(),
                ["torch_source"] = row.Target.TorchMetric,
                ["ort"] = row.Ort?.ToJson(),
                ["ratios"] = ratios,
            });
        }
        List<Ratio> judged = rows.SelectMany(r => r.Ratios).Where(r => r.Pass is not null).ToList();
        return new JsonObject
        {
            ["generated_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            ["threads"] = threads,
            ["machine"] = $"{System.Environment.ProcessorCount} processors, .NET {System.Environment.Version}",
            ["fma_peak"] = Peak(records),
            ["torch_environment"] = records.FirstOrDefault(r => (string?)r["side"] == "torch" && (string?)r["metric"] == "environment")?.DeepClone(),
            ["torch_blas"] = Blas(records),
            ["ort_environment"] = records.FirstOrDefault(r => (string?)r["side"] == "ort" && (string?)r["metric"] == "environment")?.DeepClone(),
            ["targets_met"] = judged.Count(r => r.Pass == true),
            ["targets"] = judged.Count,
            ["rows"] = array,
        };
    }
}

/// <summary>One side's pooled values for a row.</summary>
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

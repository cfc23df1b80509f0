using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cnn.Compare;

/// <summary>
/// Statistics over timed repeats, and the "JSON {...}" lines that both sides print: one record per
/// measured quantity, in torch_bench.py's schema plus a "side" field.
/// </summary>
internal static class Measurements
{
    public static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>median, min, max, n and all, as torch_bench.py's stats().</summary>
    public static JsonObject Stats(IReadOnlyList<double> values) => new()
    {
        ["median"] = Median(values),
        ["min"] = values.Min(),
        ["max"] = values.Max(),
        ["n"] = values.Count,
        ["all"] = new JsonArray(values.Select(v => (JsonNode)Math.Round(v, 4)).ToArray()),
    };

    /// <summary>A record of one quantity of one network: its name, metric, thread count and <see cref="Stats"/>.</summary>
    public static JsonObject Record(string net, string metric, int threads, IReadOnlyList<double> values)
    {
        var record = new JsonObject { ["net"] = net, ["metric"] = metric, ["threads"] = threads };
        foreach (var (key, value) in Stats(values)) record[key] = value?.DeepClone();
        return record;
    }

    /// <summary>Prints <paramref name="record"/> as a "JSON {...}" line of <paramref name="side"/> (cnn, or ort for the ONNX Runtime side).</summary>
    public static void Emit(JsonObject record, string side = "cnn")
    {
        var line = new JsonObject { ["side"] = side };
        foreach (var (key, value) in record) line[key] = value?.DeepClone();
        Console.WriteLine("JSON " + line.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    public static string Format(IReadOnlyList<double> values, string unit, int precision = 1)
    {
        double median = Median(values), min = values.Min(), max = values.Max();
        double spread = median != 0 ? (max - min) / median * 100 : 0;
        string f = "F" + precision;
        return $"median {median.ToString(f)} {unit}  [min {min.ToString(f)}, max {max.ToString(f)}, spread {spread:F1}%, n={values.Count}]";
    }

    /// <summary>The process's peak resident set (VmHWM) in MiB, from /proc/self/status.</summary>
    public static double PeakRssMiB()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
            return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        throw new InvalidOperationException("/proc/self/status has no VmHWM line.");
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Cnn.IO;

namespace Cnn.Training;

/// <summary>
/// Reads and writes a training history as CSV or JSON, with Keras's column names:
/// <c>epoch, loss, accuracy, val_loss, val_accuracy, seconds, images_per_second, learning_rate</c>.
/// Writes go through <see cref="AtomicFile"/>. Numbers are invariant-culture and round-trip exactly;
/// a missing validation figure is an empty CSV cell or a JSON <c>null</c>; a non-finite number is
/// <c>NaN</c>, <c>Infinity</c> or <c>-Infinity</c> (a JSON string).
/// </summary>
public static class HistoryFile
{
    /// <summary>The CSV header, which is also the JSON property names.</summary>
    public static readonly IReadOnlyList<string> Columns = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds", "images_per_second", "learning_rate"];

    /// <summary>Replaces <paramref name="path"/> atomically with <see cref="FormatCsv"/>'s text.</summary>
    public static void WriteCsv(string path, IEnumerable<EpochResult> history) => AtomicFile.WriteAllText(path, FormatCsv(history));

    /// <summary>Replaces <paramref name="path"/> atomically with <see cref="FormatJson"/>'s text.</summary>
    public static void WriteJson(string path, IEnumerable<EpochResult> history) => AtomicFile.WriteAllText(path, FormatJson(history));

    /// <summary>The history as CSV: the <see cref="Columns"/> header, then one line per epoch, each ending in <c>\n</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is null.</exception>
    public static string FormatCsv(IEnumerable<EpochResult> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var text = new StringBuilder();
        text.Append(string.Join(',', Columns)).Append('\n');
        foreach (EpochResult r in history)
        {
            text.Append(r.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Number(r.Loss)).Append(',')
                .Append(Number(r.Accuracy)).Append(',')
                .Append(r.ValidationLoss is double vl ? Number(vl) : "").Append(',')
                .Append(r.ValidationAccuracy is double va ? Number(va) : "").Append(',')
                .Append(Number(r.Seconds)).Append(',')
                .Append(Number(r.ImagesPerSecond)).Append(',')
                .Append(Number(r.LearningRate)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The history as an indented JSON array of objects keyed by <see cref="Columns"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="history"/> is null.</exception>
    public static string FormatJson(IEnumerable<EpochResult> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            WriteRows(json, history);
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <exception cref="FormatException">A line does not have the columns above, or a cell is not a number; the message names the line and column.</exception>
    public static IReadOnlyList<EpochResult> ReadCsv(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != string.Join(',', Columns))
            throw new FormatException($"{path}: line 1 should be the header '{string.Join(',', Columns)}'.");
        var rows = new List<EpochResult>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            string[] cells = lines[i].Split(',');
            if (cells.Length != Columns.Count)
                throw new FormatException($"{path}: line {i + 1} has {cells.Length} cells, not {Columns.Count}.");
            double Cell(int column) => ParseNumber(cells[column], $"{path}: line {i + 1}, column '{Columns[column]}'");
            double? Optional(int column) => cells[column].Length == 0 ? null : Cell(column);
            rows.Add(new EpochResult((int)Cell(0), Cell(1), Cell(2), Optional(3), Optional(4), Cell(5), Cell(6), Cell(7)));
        }
        return rows;
    }

    /// <exception cref="FormatException">The file is not an array of rows with the names above; the message names the row and property.</exception>
    public static IReadOnlyList<EpochResult> ReadJson(string path)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return ReadRows(document.RootElement, path);
    }

    internal static void WriteRows(Utf8JsonWriter json, IEnumerable<EpochResult> history)
    {
        json.WriteStartArray();
        foreach (EpochResult r in history)
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", r.Epoch);
            WriteNumber(json, "loss", r.Loss);
            WriteNumber(json, "accuracy", r.Accuracy);
            WriteNumber(json, "val_loss", r.ValidationLoss);
            WriteNumber(json, "val_accuracy", r.ValidationAccuracy);
            WriteNumber(json, "seconds", r.Seconds);
            WriteNumber(json, "images_per_second", r.ImagesPerSecond);
            WriteNumber(json, "learning_rate", r.LearningRate);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    internal static IReadOnlyList<EpochResult> ReadRows(JsonElement array, string source)
    {
        if (array.ValueKind != JsonValueKind.Array) throw new FormatException($"{source}: the history should be a JSON array of rows.");
        var rows = new List<EpochResult>();
        int index = 0;
        foreach (JsonElement row in array.EnumerateArray())
        {
            string where = $"{source}: row {index++}";
            double? Get(string name, bool optional = false)
            {
                if (row.ValueKind != JsonValueKind.Object) throw new FormatException($"{where} is not an object.");
                if (!row.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
                    return optional ? null : throw new FormatException($"{where} has no '{name}'.");
                return ReadNumber(value, $"{where}, '{name}'");
            }
            rows.Add(new EpochResult((int)Get("epoch")!.Value, Get("loss")!.Value, Get("accuracy")!.Value, Get("val_loss", true), Get("val_accuracy", true),
                Get("seconds")!.Value, Get("images_per_second")!.Value, Get("learning_rate")!.Value));
        }
        return rows;
    }

    internal static void WriteNumber(Utf8JsonWriter json, string name, double? value)
    {
        if (value is not double v) json.WriteNull(name);
        else if (double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteString(name, Number(v));
    }

    internal static double ReadNumber(JsonElement value, string where) => value.ValueKind switch
    {
        // A number beyond double's range (1e400) is malformed, not infinite: only the strings spell infinities.
        JsonValueKind.Number => value.TryGetDouble(out double number) && double.IsFinite(number)
            ? number
            : throw new FormatException($"{where} is {value.GetRawText()}, beyond the range of a double."),
        JsonValueKind.String => ParseNumber(value.GetString()!, where),
        _ => throw new FormatException($"{where} is {value.ValueKind}, not a number."),
    };

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double ParseNumber(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new FormatException($"{where} is '{text}', not a number.");
}

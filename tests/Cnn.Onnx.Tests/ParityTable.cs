using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Cnn.Onnx.Tests;

/// <summary>
/// Collects one row per exported network and, when the test class is done, writes the table that
/// docs/onnx.md shows to onnx-parity.md beside the test assembly (and to the console).
/// </summary>
public sealed class ParityTable : IDisposable
{
    private readonly ConcurrentDictionary<string, (string Group, double Error, string Checker, int Batch)> _rows = new();

    public void Add(string group, string network, double error, string checker, int batch) => _rows[network] = (group, error, checker, batch);

    public string Format()
    {
        var text = new StringBuilder();
        text.AppendLine("| Network | Group | Batch | Max relative error vs ONNX Runtime | onnx.checker (full_check) |");
        text.AppendLine("|---|---|---:|---:|---|");
        foreach (KeyValuePair<string, (string Group, double Error, string Checker, int Batch)> row in _rows.OrderBy(r => r.Value.Group, StringComparer.Ordinal).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Key} | {row.Value.Group} | {row.Value.Batch} | {row.Value.Error:0.00E+00} | {row.Value.Checker} |");
        }
        return text.ToString();
    }

    public void Dispose()
    {
        if (_rows.IsEmpty) return;
        string table = Format();
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "onnx-parity.md"), table);
        Console.WriteLine(table);
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cnn.Generators.Tests.Differential;

/// <summary>
/// Writes one random network spec of torch_differential.py as a C# file: a [Network] class with one
/// attribute per line, and its [Block] classes. Remembers the line of each layer's attribute ordinal
/// (the order the script numbers them in), which is where a diagnostic about that layer must point.
/// </summary>
internal sealed class AttributeSourceRenderer
{
    private readonly StringBuilder _text = new();
    private readonly Dictionary<int, int> _lineOfOrdinal = new();
    private int _line;
    private int _ordinal;

    private AttributeSourceRenderer() { }

    /// <summary>The source text.</summary>
    public string Source => _text.ToString();

    /// <summary>The zero-based line of the attribute with this ordinal.</summary>
    public int LineOf(int ordinal) => _lineOfOrdinal[ordinal];

    /// <summary>Renders network <paramref name="index"/> into its own namespace, so that many share a compilation.</summary>
    public static AttributeSourceRenderer Render(JsonElement network, int index)
    {
        var r = new AttributeSourceRenderer();
        r.Line("using Cnn;");
        r.Line($"namespace Differential.N{index};");
        r.Line("[Network]");
        int[] input = network.GetProperty("input").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        r.Line($"[Input({string.Join(", ", input)})]");
        r.Layers(network.GetProperty("layers"), numbered: true);
        r.Line("public partial class Net { }");
        foreach (JsonProperty block in network.GetProperty("blocks").EnumerateObject())
        {
            string parameters = string.Join(", ", block.Value.GetProperty("params").EnumerateArray().Select(p => Quote(p.GetString()!)));
            r.Line($"[Block({parameters})]");
            r.Layers(block.Value.GetProperty("layers"), numbered: false);
            r.Line($"public sealed class {block.Name} {{ }}");
        }
        return r;
    }

    private void Line(string text)
    {
        _text.Append(text).Append('\n');
        _line++;
    }

    /// <summary>A network attribute line: it takes the next ordinal (markers too, as the script counts them).</summary>
    private void Attribute(string text, bool numbered)
    {
        if (numbered) _lineOfOrdinal[_ordinal++] = _line;
        Line(text);
    }

    private void Layers(JsonElement layers, bool numbered)
    {
        foreach (JsonElement layer in layers.EnumerateArray()) Layer(layer, numbered);
    }

    private void Layer(JsonElement layer, bool numbered)
    {
        string kind = layer.GetProperty("k").GetString()!;
        string? name = layer.TryGetProperty("name", out JsonElement n) ? n.GetString() : null;
        JsonElement a = layer.TryGetProperty("a", out JsonElement args) ? args : default;
        switch (kind)
        {
            case "Residual":
                Attribute(name is null ? "[Residual]" : $"[Residual({Quote(name)})]", numbered);
                Layers(layer.GetProperty("main"), numbered);
                if (layer.TryGetProperty("shortcut", out JsonElement shortcut) && shortcut.ValueKind == JsonValueKind.Object)
                {
                    string only = shortcut.GetProperty("only").GetBoolean() ? ", OnlyWhenShapeChanges = true" : "";
                    Attribute($"[Shortcut({Quote(shortcut.GetProperty("name").GetString()!)}{only})]", numbered);
                    Layers(shortcut.GetProperty("layers"), numbered);
                }
                Attribute("[EndResidual]", numbered);
                return;
            case "Concat":
                Attribute(name is null ? "[Concat]" : $"[Concat({Quote(name)})]", numbered);
                foreach (JsonElement branch in layer.GetProperty("branches").EnumerateArray())
                {
                    string? branchName = branch.GetProperty("name").GetString();
                    Attribute(branchName is null ? "[Branch]" : $"[Branch({Quote(branchName)})]", numbered);
                    Layers(branch.GetProperty("layers"), numbered);
                }
                Attribute("[EndConcat]", numbered);
                return;
            case "Use":
                IEnumerable<string> values = layer.GetProperty("args").EnumerateArray().Select(Size);
                Attribute($"[Use<{layer.GetProperty("block").GetString()}>({string.Join(", ", new[] { Quote(name!) }.Concat(values))})]", numbered);
                return;
        }

        var arguments = new List<string>();
        if (name is not null) arguments.Add(Quote(name));
        switch (kind)
        {
            case "Conv2d":
                arguments.Add(Size(a.GetProperty("out")));
                arguments.Add(Size(a.GetProperty("k")));
                Named(a, "stride", "Stride", arguments);
                Named(a, "pad", "Padding", arguments);
                if (a.TryGetProperty("mode", out JsonElement mode)) arguments.Add($"PaddingMode = PaddingMode.{mode.GetString()}");
                Named(a, "dilation", "Dilation", arguments);
                Named(a, "groups", "Groups", arguments);
                Flag(a, "bias", "Bias", arguments);
                Named(a, "in", "InChannels", arguments);
                break;
            case "MaxPool2d":
            case "AvgPool2d":
                arguments.Add(Size(a.GetProperty("k")));
                Named(a, "stride", "Stride", arguments);
                Named(a, "pad", "Padding", arguments);
                Flag(a, "ceil", "CeilMode", arguments);
                break;
            case "AdaptiveAvgPool2d":
                arguments.Add(Size(a.GetProperty("out")));
                break;
            case "Linear":
                arguments.Add(Size(a.GetProperty("out")));
                Flag(a, "bias", "Bias", arguments);
                Named(a, "in", "InFeatures", arguments);
                break;
            case "Dropout":
                arguments.Add(a.GetProperty("p").GetDouble().ToString("0.0###", CultureInfo.InvariantCulture));
                break;
            case "LeakyReLU":
                arguments.Add("NegativeSlope = 0.2");
                break;
        }
        Attribute(arguments.Count == 0 ? $"[{kind}]" : $"[{kind}({string.Join(", ", arguments)})]", numbered);
    }

    private static void Named(JsonElement a, string key, string property, List<string> arguments)
    {
        // An integer sets the property; a block expression goes to its XxxExpression twin.
        if (!a.TryGetProperty(key, out JsonElement value)) return;
        arguments.Add(value.ValueKind == JsonValueKind.Number ? $"{property} = {Size(value)}" : $"{property}Expression = {Size(value)}");
    }

    private static void Flag(JsonElement a, string key, string property, List<string> arguments)
    {
        if (a.TryGetProperty(key, out JsonElement value)) arguments.Add($"{property} = {(value.GetBoolean() ? "true" : "false")}");
    }

    /// <summary>A size: an integer, or a block parameter expression as a string.</summary>
    private static string Size(JsonElement value)
        => value.ValueKind == JsonValueKind.Number ? value.GetInt32().ToString(CultureInfo.InvariantCulture) : Quote(value.GetString()!);

    private static string Quote(string text) => "\"" + text + "\"";
}

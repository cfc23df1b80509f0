using System.CommandLine.Parsing;
using System.Globalization;

namespace ExportFashionMnist;

/// <summary>A custom parser for System.CommandLine: an invariant-culture count, with an error that names the option and the value.</summary>
internal static class OptionValues
{
    public static int NonNegative(ArgumentResult result)
    {
        // The option's arity (exactly one value) is checked before a custom parser runs.
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return n;
        string name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} needs a non-negative integer, not '{text}'.");
        return 0;
    }
}

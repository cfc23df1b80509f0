using System.CommandLine.Parsing;
using System.Globalization;

namespace FashionMnist;

/// <summary>
/// Custom parsers for System.CommandLine options: invariant-culture numbers with a range, and an
/// error that names the option and the value it was given.
/// </summary>
internal static class OptionValues
{
    private delegate bool TryParse<T>(string text, out T value);

    public static int Positive(ArgumentResult result) => Parse(result, "a positive integer",
        (string text, out int n) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n > 0);

    public static int NonNegative(ArgumentResult result) => Parse(result, "a non-negative integer",
        (string text, out int n) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n));

    public static ulong Seed(ArgumentResult result) => Parse(result, "a non-negative integer",
        (string text, out ulong n) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n));

    public static float PositiveSingle(ArgumentResult result) => Parse(result, "a positive number",
        (string text, out float x) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out x) && x > 0 && float.IsFinite(x));

    public static float Fraction(ArgumentResult result) => Parse(result, "a number in [0, 1)",
        (string text, out float x) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out x) && x >= 0 && x < 1);

    private static T Parse<T>(ArgumentResult result, string expected, TryParse<T> tryParse)
    {
        // The option's arity (exactly one value) is checked before a custom parser runs.
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (tryParse(text, out T value)) return value;
        string name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} needs {expected}, not '{text}'.");
        return default!;
    }
}

using System.CommandLine.Parsing;
using System.Globalization;

namespace ImageFolderSample;

/// <summary>
/// Custom parsers for System.CommandLine options: invariant-culture numbers with a range, and an
/// error that names the option and the value it was given.
/// </summary>
internal static class OptionValues
{
    private delegate bool TryParse<T>(string text, out T value);

    public static int Positive(ArgumentResult result) => Parse<int>(result, "a positive integer", TryPositive);

    public static int NonNegative(ArgumentResult result) => Parse(result, "a non-negative integer",
        (string text, out int n) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n));

    public static ulong Seed(ArgumentResult result) => Parse(result, "a non-negative integer",
        (string text, out ulong n) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n));

    public static float PositiveSingle(ArgumentResult result) => Parse(result, "a positive number",
        (string text, out float x) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out x) && x > 0 && float.IsFinite(x));

    /// <summary>A fraction in [0, 1).</summary>
    public static double Fraction(ArgumentResult result) => Parse(result, "a fraction in [0, 1)",
        (string text, out double x) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out x) && x >= 0 && x < 1);

    /// <summary>What <see cref="Positive"/> accepts, for a check across options (which runs before the options' own parsers).</summary>
    public static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

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

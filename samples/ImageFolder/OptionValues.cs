using System.Globalization;

namespace ImageFolderSample;

/// <summary>Parses option values, with messages that name the option.</summary>
internal static class OptionValues
{
    public static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{name} needs a positive integer, not '{value}'.");

    public static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new ArgumentException($"{name} needs a non-negative integer, not '{value}'.");

    public static ulong Seed(string name, string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
            ? seed
            : throw new ArgumentException($"{name} needs a non-negative integer, not '{value}'.");

    public static float PositiveSingle(string name, string value) =>
        float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) && x > 0 && float.IsFinite(x)
            ? x
            : throw new ArgumentException($"{name} needs a positive number, not '{value}'.");

    /// <summary>A fraction in [0, 1).</summary>
    public static double Fraction(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x >= 0 && x < 1
            ? x
            : throw new ArgumentException($"{name} needs a fraction in [0, 1), not '{value}'.");
}

namespace Cnn;

/// <summary>
/// How a name prefix selects state_dict names: <c>"conv1"</c> selects <c>conv1.weight</c> and
/// <c>conv1.bias</c> but not <c>conv10.weight</c>; <c>"layer1.0."</c> selects everything under it;
/// a full name selects that one tensor.
/// </summary>
internal static class NamePrefix
{
    public static bool Matches(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal)
        && (name.Length == prefix.Length || prefix.EndsWith('.') || name[prefix.Length] == '.');

    public static bool MatchesAny(string name, IReadOnlyList<string> prefixes)
    {
        for (int i = 0; i < prefixes.Count; i++)
        {
            if (Matches(name, prefixes[i])) return true;
        }
        return false;
    }
}

namespace Cnn.IO;

/// <summary>
/// How <see cref="ModelFile.Load(INetwork, string, LoadOptions)"/> matches a file's tensors to a
/// network's, as PyTorch's <c>load_state_dict(strict=...)</c>, plus a selection by name prefix.
/// </summary>
public sealed record LoadOptions
{
    /// <summary>
    /// Whether every selected tensor of the network must be in the file with the same shape, and
    /// every selected tensor of the file in the network (the default). When false, what matches is
    /// loaded and the rest is reported in the <see cref="LoadResult"/>; a tensor whose shape differs
    /// is never written, in either mode.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Name prefixes that select the tensors taking part, on both sides (<c>"conv1"</c> selects
    /// <c>conv1.weight</c> and <c>conv1.bias</c>, <c>"layer1."</c> a whole block); empty selects all.
    /// </summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Name prefixes that leave tensors out, on both sides, even when <see cref="Include"/> selects them.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Load values no trained network has (NaN, infinities, a negative running variance or count); refused by default.</summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>Whether the tensor named <paramref name="name"/> takes part.</summary>
    internal bool Selects(string name) =>
        (Include.Count == 0 || NamePrefix.MatchesAny(name, Include)) && !NamePrefix.MatchesAny(name, Exclude);
}

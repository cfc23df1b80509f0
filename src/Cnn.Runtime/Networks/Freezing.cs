namespace Cnn;

/// <summary>
/// Freezes and unfreezes a network's parameters by state_dict name prefix (PyTorch's
/// <c>p.requires_grad_(False)</c> over a module's parameters): see <see cref="INetwork.FrozenParameters"/>.
/// </summary>
public static class Freezing
{
    /// <summary>
    /// Freezes every parameter whose name matches one of <paramref name="prefixes"/>: a layer name
    /// (<c>"conv1"</c> for <c>conv1.weight</c> and <c>conv1.bias</c>), a block prefix (<c>"layer1"</c>)
    /// or a full parameter name. Their gradients are zeroed once here, and <see cref="INetwork.Backward"/>
    /// then leaves them zero, so gradient norms and clipping see only the trainable parameters.
    /// </summary>
    /// <returns>How many parameters the prefixes matched.</returns>
    /// <exception cref="ArgumentException">A prefix matches no parameter; the message lists the layers.</exception>
    /// <exception cref="NotSupportedException">The network does not support freezing.</exception>
    public static int Freeze(this INetwork network, params string[] prefixes) => Set(network, prefixes, frozen: true);

    /// <summary>Unfreezes every parameter whose name matches one of <paramref name="prefixes"/>, as <see cref="Freeze"/> selects them.</summary>
    /// <returns>How many parameters the prefixes matched.</returns>
    public static int Unfreeze(this INetwork network, params string[] prefixes) => Set(network, prefixes, frozen: false);

    /// <summary>Whether the parameter named <paramref name="name"/> is frozen.</summary>
    public static bool IsFrozen(this INetwork network, string name)
    {
        ArgumentNullException.ThrowIfNull(network);
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        for (int i = 0; i < infos.Count; i++)
        {
            if (infos[i].Name == name) return network.FrozenParameters.Length > i && network.FrozenParameters[i];
        }
        throw new ArgumentException($"{network.ArchitectureName} has no parameter '{name}'.", nameof(name));
    }

    /// <summary>Whether any parameter of <paramref name="network"/> is frozen.</summary>
    public static bool AnyFrozen(this INetwork network) => network.FrozenParameters.Contains(true);

    private static int Set(INetwork network, string[] prefixes, bool frozen)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(prefixes);
        if (prefixes.Length == 0) throw new ArgumentException("Give at least one layer name or name prefix.", nameof(prefixes));
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        if (network.FrozenParameters.Length != infos.Count)
            throw new NotSupportedException($"{network.ArchitectureName} does not support freezing: its FrozenParameters has {network.FrozenParameters.Length} flags for {infos.Count} parameters.");
        foreach (string prefix in prefixes)
        {
            if (!infos.Any(p => NamePrefix.Matches(p.Name, prefix)))
                throw new ArgumentException(
                    $"'{prefix}' matches no parameter of {network.ArchitectureName}; its layers with parameters are {string.Join(", ", infos.Select(p => p.Layer).Distinct())}.", nameof(prefixes));
        }

        int matched = 0;
        for (int i = 0; i < infos.Count; i++)
        {
            if (!NamePrefix.MatchesAny(infos[i].Name, prefixes)) continue;
            matched++;
            if (frozen && !network.FrozenParameters[i] && network.Mode == NetworkMode.Training)
                network.Backend.Fill(network.Gradients.Slice(checked((int)infos[i].Offset), infos[i].Length), 0f);
            network.FrozenParameters[i] = frozen;
        }
        return matched;
    }
}

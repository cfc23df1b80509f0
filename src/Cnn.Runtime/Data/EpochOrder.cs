namespace Cnn.Data;

/// <summary>
/// The order in which an epoch visits samples: the same seeded Fisher–Yates shuffle as
/// <see cref="BatchLoader"/> (same domain, same stream per epoch), so that both loaders visit an
/// in-memory data set in the same order for the same seed.
/// </summary>
internal static class EpochOrder
{
    /// <summary>Must equal BatchLoader's private ShuffleDomain; a test holds them together.</summary>
    private const ulong ShuffleDomain = 0x5348_5546_464C_4531; // "SHUFFLE1"

    /// <summary>Fills <paramref name="order"/> with 0…N−1, shuffled for (seed, epoch) when <paramref name="shuffle"/>.</summary>
    public static void Fill(Span<int> order, bool shuffle, ulong seed, int epoch)
    {
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        if (!shuffle)
            return;
        var random = SeededRandom.ForStream(seed ^ ShuffleDomain, (ulong)epoch);
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}

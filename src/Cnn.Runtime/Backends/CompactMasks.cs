namespace Cnn.Backends;

/// <summary>
/// The layout of the compact masks that a training plan keeps in place of a full tensor, when the
/// backward pass needs no more of it (the generator's planner chooses them; every backend reads and
/// writes them alike). A mask tensor is a run of floats of the activation arena whose bits are
/// reinterpreted; each sample starts at a whole float:
/// <list type="bullet">
/// <item><b>Activation masks</b> (ReLU, LeakyReLU with a non-negative slope): one bit per feature,
/// set where the output is greater than zero, 32 to a float, feature <c>i</c> at bit <c>i % 32</c>
/// of 32-bit word <c>i / 32</c>. A 32nd of the output.</item>
/// <item><b>Max-pool indices</b>: one byte per pooled value, the position of its window's maximum
/// counted from the window's (padded) origin as <c>ky · KernelWidth + kx</c>, 4 to a float, value
/// <c>i</c> at byte <c>i</c> (little-endian). A quarter of the output, so for a 2×2 pool a 16th
/// of the input. Windows of at most <see cref="MaxPoolWindow"/> positions only; the byte
/// <see cref="NoMaximum"/> marks a window with no element.</item>
/// </list>
/// </summary>
public static class CompactMasks
{
    /// <summary>The largest max-pool window (KernelHeight · KernelWidth) that byte indices cover.</summary>
    public const int MaxPoolWindow = 255;

    /// <summary>The index byte of a window that holds no input element.</summary>
    public const byte NoMaximum = 255;

    /// <summary>Floats per sample of an activation mask over <paramref name="features"/> values.</summary>
    public static int ActivationMaskFloats(int features) => (features + 31) / 32;

    /// <summary>Floats per sample of the max-pool indices of <paramref name="pooledValues"/> pooled values.</summary>
    public static int PoolIndexFloats(int pooledValues) => (pooledValues + 3) / 4;

    /// <summary>Whether activation <paramref name="kind"/> with <paramref name="negativeSlope"/> can save a bit mask instead of its output.</summary>
    public static bool HasActivationMask(ActivationKind kind, float negativeSlope)
        => kind == ActivationKind.ReLU || (kind == ActivationKind.LeakyReLU && negativeSlope >= 0f);

    /// <summary>Whether pooling <paramref name="geometry"/> can save byte indices instead of its input and output.</summary>
    public static bool HasPoolIndices(in Pool2dGeometry geometry)
        => geometry.Kind == PoolKind.Max && geometry.KernelHeight * geometry.KernelWidth <= MaxPoolWindow;

    /// <summary>The CPU kernels' refusal of a mask call on an activation that has no bit mask.</summary>
    internal static void RequireActivationMask(ActivationKind kind, float negativeSlope)
    {
        if (!HasActivationMask(kind, negativeSlope))
            throw new NotSupportedException($"{kind} (negative slope {negativeSlope}) keeps its output for backward, not a bit mask: only ReLU and LeakyReLU with a slope ≥ 0 have one.");
    }

    /// <summary>The CPU kernels' refusal of an index call on a pool that has no byte indices.</summary>
    internal static void RequirePoolIndices(in Pool2dGeometry g)
    {
        if (!HasPoolIndices(g))
            throw new NotSupportedException($"{g.Kind} pooling with a {g.KernelHeight}×{g.KernelWidth} window keeps no byte indices: only max pooling over at most {MaxPoolWindow} positions does.");
    }
}

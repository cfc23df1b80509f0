using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>Elastic-net weight penalty l1·Σ|w| + l2·Σw², added to the loss by the training loop.</summary>
public static class PenaltyReference
{
    /// <summary>Adds l1·sign(w) + 2·l2·w to <paramref name="gradients"/> and returns l1·Σ|w| + l2·Σw².</summary>
    public static T Add<T>(ReadOnlySpan<T> parameters, Span<T> gradients, T l1, T l2) where T : IFloatingPointIeee754<T>
    {
        T absolute = T.Zero, squares = T.Zero, twoL2 = l2 + l2;
        for (int i = 0; i < parameters.Length; i++)
        {
            T w = parameters[i];
            absolute += T.Abs(w);
            squares += w * w;
            T sign = w > T.Zero ? T.One : w < T.Zero ? -T.One : T.Zero;
            gradients[i] += l1 * sign + twoL2 * w;
        }
        return l1 * absolute + l2 * squares;
    }
}

using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// Cross-entropy over probabilities, as Keras computes it after a softmax: the probability of the
/// true class is clamped below at <see cref="Epsilon"/> so that the log stays finite.
/// </summary>
public static class ProbabilityCrossEntropyReference
{
    /// <summary>The lower clamp on probabilities (Keras's epsilon).</summary>
    public const double Epsilon = 1e-7;

    /// <summary>
    /// Returns −mean(log(max(p[label], ε))) and writes its gradient: −1/(p·batch) at each label where
    /// p ≥ ε, and 0 where the clamp is active or off the label. A NaN probability gives a NaN loss.
    /// </summary>
    public static T Compute<T>(int batch, int classes, ReadOnlySpan<T> probabilities, ReadOnlySpan<T> labels, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero, inverseBatch = T.One / T.CreateChecked(batch), epsilon = T.CreateChecked(Epsilon);
        gradient[..(batch * classes)].Clear();
        for (int n = 0; n < batch; n++)
        {
            int label = Labels.ClassOf(labels, n, classes);
            T p = probabilities[n * classes + label];
            if (p >= epsilon)
            {
                total -= T.Log(p);
                gradient[n * classes + label] = -inverseBatch / p;
            }
            else if (T.IsNaN(p))
            {
                total += p; // a diverged network must show as a NaN loss, not hide behind the clamp
            }
            else
            {
                total -= T.Log(epsilon);
            }
        }
        return total * inverseBatch;
    }
}

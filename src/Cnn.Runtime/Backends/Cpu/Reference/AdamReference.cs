using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>One step of PyTorch's Adam or AdamW (foreach=False, amsgrad=False) over one contiguous buffer. The gradients are left unchanged.</summary>
public static class AdamReference
{
    /// <summary>
    /// Adam: g = grad + wd·p. AdamW: p ·= 1 − lr·wd. Then m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g²,
    /// p −= lr·m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), arranged as PyTorch does:
    /// p −= (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε), with the bias corrections in double.
    /// </summary>
    public static void Step<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> firstMoment, Span<T> secondMoment, in AdamStepSettings s)
        where T : IFloatingPointIeee754<T>
    {
        if (s.Step < 1) throw new ArgumentOutOfRangeException(nameof(s), $"Adam steps count from 1; got {s.Step}.");
        T lr = T.CreateChecked(s.LearningRate), beta1 = T.CreateChecked(s.Beta1), beta2 = T.CreateChecked(s.Beta2);
        T epsilon = T.CreateChecked(s.Epsilon), weightDecay = T.CreateChecked(s.WeightDecay);
        T decay = T.One - lr * weightDecay;
        T stepSize = T.CreateChecked(s.LearningRate / (1.0 - Math.Pow(s.Beta1, s.Step)));
        T correction2Sqrt = T.CreateChecked(Math.Sqrt(1.0 - Math.Pow(s.Beta2, s.Step)));
        for (int i = 0; i < parameters.Length; i++)
        {
            T g = gradients[i], p = parameters[i];
            if (s.WeightDecay != 0f)
            {
                if (s.Decoupled) p *= decay;
                else g += weightDecay * p;
            }
            T m = beta1 * firstMoment[i] + (T.One - beta1) * g;
            T v = beta2 * secondMoment[i] + (T.One - beta2) * g * g;
            firstMoment[i] = m;
            secondMoment[i] = v;
            parameters[i] = p - stepSize * m / (T.Sqrt(v) / correction2Sqrt + epsilon);
        }
    }
}

using System.Numerics;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The optimizer steps and weight penalty as SIMD loops. Each element goes through the same float
/// operations in the same order as the reference kernels, so the steps agree with them bit for bit.
/// </summary>
internal static class FastOptimizers
{
    public static void SgdStep(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> velocity, in SgdStepSettings s)
    {
        int n = parameters.Length, i = 0;
        bool decay = s.WeightDecay != 0f, momentum = s.Momentum != 0f;
        var lr = new Vector<float>(s.LearningRate);
        var wd = new Vector<float>(s.WeightDecay);
        var mu = new Vector<float>(s.Momentum);
        var keep = new Vector<float>(1f - s.Dampening);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var p = new Vector<float>(parameters[i..]);
            var g = new Vector<float>(gradients[i..]);
            if (decay) g += wd * p;
            if (momentum)
            {
                Vector<float> buffer = s.FirstStep ? g : mu * new Vector<float>(velocity[i..]) + keep * g;
                buffer.CopyTo(velocity[i..]);
                g = s.Nesterov ? g + mu * buffer : buffer;
            }
            (p - lr * g).CopyTo(parameters[i..]);
        }
        if (i < n) SgdReference.Step<float>(parameters[i..], gradients[i..n], momentum ? velocity[i..n] : default, s);
    }

    public static void AdamStep(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment, Span<float> secondMoment, in AdamStepSettings s)
    {
        if (s.Step < 1) throw new ArgumentOutOfRangeException(nameof(s), $"Adam steps count from 1; got {s.Step}.");
        int n = parameters.Length, i = 0;
        bool decay = s.WeightDecay != 0f;
        var lr = new Vector<float>(s.LearningRate);
        var wd = new Vector<float>(s.WeightDecay);
        var shrink = new Vector<float>(1f - s.LearningRate * s.WeightDecay);
        var beta1 = new Vector<float>(s.Beta1);
        var beta2 = new Vector<float>(s.Beta2);
        var oneMinusBeta1 = new Vector<float>(1f - s.Beta1);
        var oneMinusBeta2 = new Vector<float>(1f - s.Beta2);
        var epsilon = new Vector<float>(s.Epsilon);
        var stepSize = new Vector<float>((float)(s.LearningRate / (1.0 - Math.Pow(s.Beta1, s.Step))));
        var correction2Sqrt = new Vector<float>((float)Math.Sqrt(1.0 - Math.Pow(s.Beta2, s.Step)));
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var p = new Vector<float>(parameters[i..]);
            var g = new Vector<float>(gradients[i..]);
            if (decay)
            {
                if (s.Decoupled) p *= shrink;
                else g += wd * p;
            }
            Vector<float> m = beta1 * new Vector<float>(firstMoment[i..]) + oneMinusBeta1 * g;
            Vector<float> v = beta2 * new Vector<float>(secondMoment[i..]) + oneMinusBeta2 * g * g;
            m.CopyTo(firstMoment[i..]);
            v.CopyTo(secondMoment[i..]);
            (p - stepSize * m / (Vector.SquareRoot(v) / correction2Sqrt + epsilon)).CopyTo(parameters[i..]);
        }
        if (i < n) AdamReference.Step<float>(parameters[i..], gradients[i..n], firstMoment[i..n], secondMoment[i..n], s);
    }

    public static float AddPenalty(ReadOnlySpan<float> parameters, Span<float> gradients, float l1, float l2)
    {
        int n = parameters.Length, i = 0;
        var vl1 = new Vector<float>(l1);
        var twoL2 = new Vector<float>(l2 + l2);
        Vector<float> absolute = Vector<float>.Zero, squares = Vector<float>.Zero;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var w = new Vector<float>(parameters[i..]);
            absolute += Vector.Abs(w);
            squares += w * w;
            Vector<float> sign = Vector.ConditionalSelect(Vector.GreaterThan(w, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero)
                - Vector.ConditionalSelect(Vector.LessThan(w, Vector<float>.Zero), Vector<float>.One, Vector<float>.Zero);
            (new Vector<float>(gradients[i..]) + vl1 * sign + twoL2 * w).CopyTo(gradients[i..]);
        }
        float tail = i < n ? PenaltyReference.Add<float>(parameters[i..], gradients[i..n], l1, l2) : 0f;
        return l1 * Vector.Sum(absolute) + l2 * Vector.Sum(squares) + tail;
    }
}

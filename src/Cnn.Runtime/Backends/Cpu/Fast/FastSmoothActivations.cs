using System.Numerics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// SiLU and GELU as SIMD loops (Vector&lt;float&gt;: 512, 256 or 128 bits, as the machine has), forward
/// and backward side by side. Both derive their gradient from the input. The references are
/// <see cref="Reference.ActivationReference"/>; tests hold these to them.
/// </summary>
internal static class FastSmoothActivations
{
    private const float InverseSqrt2 = 0.70710678118654752f;
    private const float InverseSqrt2Pi = 0.39894228040143268f;

    /// <summary>y = x·σ(x) = x / (1 + e^(−x)).</summary>
    public static void SiluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            (v / (Vector<float>.One + Vector.Exp(-v))).CopyTo(y[i..]);
        }
        for (; i < n; i++) y[i] = x[i] / (1f + MathF.Exp(-x[i]));
    }

    /// <summary>dx = dy · σ(x)·(1 + x·(1 − σ(x))).</summary>
    public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector<float> s = Vector<float>.One / (Vector<float>.One + Vector.Exp(-v));
            (new Vector<float>(dy[i..]) * s * (Vector<float>.One + v * (Vector<float>.One - s))).CopyTo(dx[i..]);
        }
        for (; i < n; i++)
        {
            float s = 1f / (1f + MathF.Exp(-x[i]));
            dx[i] = dy[i] * s * (1f + x[i] * (1f - s));
        }
    }

    /// <summary>y = x·Φ(x), PyTorch's exact (erf) form.</summary>
    public static void GeluForward(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = x.Length, i = 0;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            (v * NormalCdf(v)).CopyTo(y[i..]);
        }
        for (; i < n; i++) y[i] = x[i] * NormalCdf(x[i]);
    }

    /// <summary>dx = dy · (Φ(x) + x·φ(x)), φ the standard normal density.</summary>
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = x.Length, i = 0;
        var inverseSqrt2Pi = new Vector<float>(InverseSqrt2Pi);
        var minusHalf = new Vector<float>(-0.5f);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector<float> density = inverseSqrt2Pi * Vector.Exp(minusHalf * v * v);
            (new Vector<float>(dy[i..]) * (NormalCdf(v) + v * density)).CopyTo(dx[i..]);
        }
        for (; i < n; i++) dx[i] = dy[i] * (NormalCdf(x[i]) + x[i] * InverseSqrt2Pi * MathF.Exp(-0.5f * x[i] * x[i]));
    }

    /// <summary>
    /// Φ(x) = erfc(−x/√2)/2, with erfc from Numerical Recipes' Chebyshev fit (relative error below
    /// 1.2e-7 everywhere): computing the small tail directly keeps GELU's negative side accurate.
    /// </summary>
    private static Vector<float> NormalCdf(Vector<float> x)
    {
        Vector<float> z = Vector.Abs(x) * new Vector<float>(InverseSqrt2);
        Vector<float> t = Vector<float>.One / (Vector<float>.One + new Vector<float>(0.5f) * z);
        Vector<float> p = new Vector<float>(0.17087277f);
        p = p * t + new Vector<float>(-0.82215223f);
        p = p * t + new Vector<float>(1.48851587f);
        p = p * t + new Vector<float>(-1.13520398f);
        p = p * t + new Vector<float>(0.27886807f);
        p = p * t + new Vector<float>(-0.18628806f);
        p = p * t + new Vector<float>(0.09678418f);
        p = p * t + new Vector<float>(0.37409196f);
        p = p * t + new Vector<float>(1.00002368f);
        p = p * t + new Vector<float>(-1.26551223f);
        Vector<float> halfErfc = new Vector<float>(0.5f) * t * Vector.Exp(p - z * z); // erfc(|x|/√2)/2
        // NaN fails both comparisons and passes through the erfc as NaN.
        return Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), halfErfc, Vector<float>.One - halfErfc);
    }

    private static float NormalCdf(float x)
    {
        float z = MathF.Abs(x) * InverseSqrt2;
        float t = 1f / (1f + 0.5f * z);
        float p = 0.17087277f;
        p = p * t - 0.82215223f;
        p = p * t + 1.48851587f;
        p = p * t - 1.13520398f;
        p = p * t + 0.27886807f;
        p = p * t - 0.18628806f;
        p = p * t + 0.09678418f;
        p = p * t + 0.37409196f;
        p = p * t + 1.00002368f;
        p = p * t - 1.26551223f;
        float halfErfc = 0.5f * t * MathF.Exp(p - z * z);
        return x < 0f ? halfErfc : 1f - halfErfc;
    }
}

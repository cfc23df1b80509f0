namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// The error function in double precision, which .NET does not provide: GELU's exact form,
/// x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2, needs it. Accurate to a few units in the last place,
/// checked against values from Python's math.erf.
/// </summary>
public static class ErfReference
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.56418958354775628;

    /// <summary>erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, in (−1, 1); NaN for NaN.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double z = Math.Abs(x);
        double value;
        if (z < 3)
        {
            // erf(z) = 2/√π · e^(−z²) · Σ (2z²)ⁿ z / (1·3·…·(2n+1)): every term positive, so no cancellation.
            double term = z, sum = z, twoZ2 = 2 * z * z;
            for (int n = 1; n < 200 && term > 1e-17 * sum; n++)
            {
                term *= twoZ2 / (2 * n + 1);
                sum += term;
            }
            value = TwoOverSqrtPi * Math.Exp(-z * z) * sum;
        }
        else
        {
            value = 1 - ErfcTail(z);
        }
        return x < 0 ? -value : value;
    }

    /// <summary>
    /// erfc(x) = 1 − erf(x), without the cancellation of that difference where erfc is tiny (x ≥ 3),
    /// so that GELU's negative tail keeps its relative accuracy.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        return x >= 3 ? ErfcTail(x) : 1 - Erf(x);
    }

    /// <summary>erfc(z) for z ≥ 3, by its continued fraction, evaluated from the tail.</summary>
    private static double ErfcTail(double z)
    {
        if (z > 27) return 0; // below the smallest double
        double fraction = z;
        for (int n = 200; n >= 1; n--) fraction = z + n / 2.0 / fraction;
        return Math.Exp(-z * z) * OneOverSqrtPi / fraction;
    }
}

using System.Runtime.Intrinsics;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// ReLU and LeakyReLU (slope ≥ 0) that save the bit mask of output &gt; 0 (<see cref="CompactMasks"/>)
/// instead of the output, and their backward pass from the mask alone; AVX-512 over 32 features at a
/// time (two vectors, one mask word), scalar for the rest of each sample. The rules are
/// <see cref="Reference.ActivationReference"/>'s ForwardSavingMask and BackwardFromMask.
/// </summary>
internal static unsafe class ActivationMasks
{
    /// <summary>y = x &lt; 0 ? x · slope : x (0 for slope 0, also at −∞; a NaN passes), and the mask of y &gt; 0; <paramref name="x"/> may be <paramref name="y"/>.</summary>
    public static void Forward(int batch, int features, float slope, float* x, float* y, uint* mask)
    {
        int words = CompactMasks.ActivationMaskFloats(features);
        for (int sample = 0; sample < batch; sample++)
        {
            float* xs = x + (long)sample * features, ys = y + (long)sample * features;
            uint* bits = mask + (long)sample * words;
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var vslope = Vector512.Create(slope);
                bool zeroBelow = slope == 0f, inPlace = xs == ys;
                for (; i + 32 <= features; i += 32)
                {
                    Vector512<float> a = Vector512.Load(xs + i), b = Vector512.Load(xs + i + 16);
                    Vector512<float> low = Activate(a, vslope, zeroBelow), high = Activate(b, vslope, zeroBelow);
                    // In place (the training plan runs the mask over the fused convolution's output, already
                    // activated), a vector with no negative lane is left as it is: only the mask is written.
                    if (!inPlace || Vector512.LessThanAny(a, Vector512<float>.Zero)) low.Store(ys + i);
                    if (!inPlace || Vector512.LessThanAny(b, Vector512<float>.Zero)) high.Store(ys + i + 16);
                    bits[i / 32] = (uint)Vector512.GreaterThan(low, Vector512<float>.Zero).ExtractMostSignificantBits()
                                   | (uint)Vector512.GreaterThan(high, Vector512<float>.Zero).ExtractMostSignificantBits() << 16;
                }
            }
            if (i < features) new Span<uint>(bits + i / 32, words - i / 32).Clear();
            for (; i < features; i++)
            {
                float v = xs[i] < 0f ? (slope == 0f ? 0f : xs[i] * slope) : xs[i];
                ys[i] = v;
                if (v > 0f) bits[i / 32] |= 1u << (i % 32);
            }
        }
    }

    /// <summary>dx = bit ? dy : dy · slope; <paramref name="dx"/> may be <paramref name="dy"/>.</summary>
    public static void Backward(int batch, int features, float slope, uint* mask, float* dy, float* dx)
    {
        int words = CompactMasks.ActivationMaskFloats(features);
        Vector512<int> lanes = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);
        for (int sample = 0; sample < batch; sample++)
        {
            float* dys = dy + (long)sample * features, dxs = dx + (long)sample * features;
            uint* bits = mask + (long)sample * words;
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                var vslope = Vector512.Create(slope);
                for (; i + 32 <= features; i += 32)
                {
                    uint word = bits[i / 32];
                    Select(Vector512.Create((int)(word & 0xFFFF)), lanes, dys + i, dxs + i, vslope);
                    Select(Vector512.Create((int)(word >> 16)), lanes, dys + i + 16, dxs + i + 16, vslope);
                }
            }
            for (; i < features; i++) dxs[i] = (bits[i / 32] >> (i % 32) & 1u) != 0 ? dys[i] : dys[i] * slope;
        }
    }

    // Select on x < 0, not Max, so that a NaN passes through as the reference's does; with slope 0
    // (ReLU) select 0 rather than x·0, which is NaN for x = −∞.
    private static Vector512<float> Activate(Vector512<float> v, Vector512<float> slope, bool zeroBelow)
        => Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), zeroBelow ? Vector512<float>.Zero : v * slope, v);

    private static void Select(Vector512<int> word, Vector512<int> lanes, float* dy, float* dx, Vector512<float> slope)
    {
        Vector512<float> g = Vector512.Load(dy);
        Vector512<float> inactive = Vector512.Equals(word & lanes, Vector512<int>.Zero).AsSingle();
        Vector512.ConditionalSelect(inactive, g * slope, g).Store(dx);
    }
}

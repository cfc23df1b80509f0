using System.Numerics;
using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// ReLU, LeakyReLU, Tanh, Sigmoid, SiLU, GELU elementwise, and Softmax / LogSoftmax over the features
/// of each sample. Backward reads the output, as PyTorch does, except LeakyReLU with a negative slope,
/// whose output sign no longer tells which side of zero the input was on, and SiLU and GELU, whose
/// gradients are functions of the input.
/// </summary>
public static class ActivationReference
{
    /// <summary>Applies <paramref name="kind"/> to <paramref name="batch"/> samples of <paramref name="features"/> values, in any IEEE floating-point type.</summary>
    /// <param name="kind">The activation.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="features">Values per sample; softmax and log-softmax normalise over them.</param>
    /// <param name="input">batch · features values.</param>
    /// <param name="output">batch · features values.</param>
    /// <param name="negativeSlope">LeakyReLU's slope below zero; ignored by the other kinds.</param>
    public static void Forward<T>(ActivationKind kind, int batch, int features, ReadOnlySpan<T> input, Span<T> output, T negativeSlope = default!)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * features;
        switch (kind)
        {
            case ActivationKind.ReLU:
                // "x < 0" rather than "x > 0": a NaN passes through, as in PyTorch, instead of hiding as 0.
                for (int i = 0; i < count; i++) output[i] = input[i] < T.Zero ? T.Zero : input[i];
                break;
            case ActivationKind.LeakyReLU:
                for (int i = 0; i < count; i++) output[i] = input[i] < T.Zero ? input[i] * negativeSlope : input[i];
                break;
            case ActivationKind.Tanh:
                for (int i = 0; i < count; i++) output[i] = T.Tanh(input[i]);
                break;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < count; i++) output[i] = T.One / (T.One + T.Exp(-input[i]));
                break;
            case ActivationKind.SiLU:
                for (int i = 0; i < count; i++) output[i] = input[i] / (T.One + T.Exp(-input[i]));
                break;
            case ActivationKind.GELU:
                for (int i = 0; i < count; i++) output[i] = input[i] * NormalCdf(input[i]);
                break;
            case ActivationKind.Softmax:
            case ActivationKind.LogSoftmax:
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<T> x = input.Slice(n * features, features);
                    Span<T> y = output.Slice(n * features, features);
                    T max = x[0];
                    for (int i = 1; i < features; i++) max = T.Max(max, x[i]);
                    T sum = T.Zero;
                    for (int i = 0; i < features; i++) sum += T.Exp(x[i] - max);
                    if (kind == ActivationKind.Softmax)
                        for (int i = 0; i < features; i++) y[i] = T.Exp(x[i] - max) / sum;
                    else
                    {
                        T logSum = max + T.Log(sum);
                        for (int i = 0; i < features; i++) y[i] = x[i] - logSum;
                    }
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation.");
        }
    }

    /// <summary>
    /// Overwrites <paramref name="inputGradient"/> from the forward <paramref name="output"/> and
    /// <paramref name="outputGradient"/> (and <paramref name="input"/>, for LeakyReLU with a negative slope).
    /// </summary>
    public static void Backward<T>(ActivationKind kind, int batch, int features, ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<T> outputGradient,
        Span<T> inputGradient, T negativeSlope = default!)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * features;
        switch (kind)
        {
            case ActivationKind.ReLU:
                for (int i = 0; i < count; i++) inputGradient[i] = output[i] > T.Zero ? outputGradient[i] : T.Zero;
                break;
            case ActivationKind.LeakyReLU:
                ReadOnlySpan<T> side = negativeSlope >= T.Zero ? output : input;
                for (int i = 0; i < count; i++) inputGradient[i] = side[i] > T.Zero ? outputGradient[i] : outputGradient[i] * negativeSlope;
                break;
            case ActivationKind.Tanh:
                for (int i = 0; i < count; i++) inputGradient[i] = outputGradient[i] * (T.One - output[i] * output[i]);
                break;
            case ActivationKind.Sigmoid:
                for (int i = 0; i < count; i++) inputGradient[i] = outputGradient[i] * output[i] * (T.One - output[i]);
                break;
            case ActivationKind.SiLU:
                for (int i = 0; i < count; i++)
                {
                    T s = T.One / (T.One + T.Exp(-input[i]));
                    inputGradient[i] = outputGradient[i] * s * (T.One + input[i] * (T.One - s));
                }
                break;
            case ActivationKind.GELU:
                for (int i = 0; i < count; i++) inputGradient[i] = outputGradient[i] * (NormalCdf(input[i]) + input[i] * NormalDensity(input[i]));
                break;
            case ActivationKind.Softmax:
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<T> y = output.Slice(n * features, features), dy = outputGradient.Slice(n * features, features);
                    T dot = T.Zero;
                    for (int i = 0; i < features; i++) dot += dy[i] * y[i];
                    for (int i = 0; i < features; i++) inputGradient[n * features + i] = y[i] * (dy[i] - dot);
                }
                break;
            case ActivationKind.LogSoftmax:
                for (int n = 0; n < batch; n++)
                {
                    ReadOnlySpan<T> y = output.Slice(n * features, features), dy = outputGradient.Slice(n * features, features);
                    T sum = T.Zero;
                    for (int i = 0; i < features; i++) sum += dy[i];
                    for (int i = 0; i < features; i++) inputGradient[n * features + i] = dy[i] - T.Exp(y[i]) * sum;
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation.");
        }
    }

    /// <summary>Φ(x) = (1 + erf(x/√2))/2 = erfc(−x/√2)/2, in double whatever <typeparamref name="T"/> is.</summary>
    private static T NormalCdf<T>(T x) where T : IFloatingPointIeee754<T>
        => T.CreateChecked(0.5 * ErfReference.Erfc(-double.CreateChecked(x) / Math.Sqrt(2)));

    /// <summary>
    /// ReLU or LeakyReLU (slope ≥ 0) saving the bit mask of output &gt; 0 instead of the output
    /// (<see cref="CompactMasks"/>); <paramref name="input"/> and <paramref name="output"/> may be the same memory.
    /// </summary>
    public static void ForwardSavingMask<T>(ActivationKind kind, int batch, int features, ReadOnlySpan<T> input, Span<T> output, Span<uint> mask, T negativeSlope)
        where T : IFloatingPointIeee754<T>
    {
        CompactMasks.RequireActivationMask(kind, float.CreateChecked(negativeSlope));
        Forward(kind, batch, features, input, output, negativeSlope);
        int words = CompactMasks.ActivationMaskFloats(features);
        for (int sample = 0; sample < batch; sample++)
        {
            Span<uint> bits = mask.Slice(sample * words, words);
            bits.Clear();
            for (int i = 0; i < features; i++)
            {
                if (output[sample * features + i] > T.Zero) bits[i / 32] |= 1u << (i % 32);
            }
        }
    }

    /// <summary>The input gradient from the mask <see cref="ForwardSavingMask"/> wrote: dy where the bit is set, else dy · slope (0 for ReLU).</summary>
    public static void BackwardFromMask<T>(ActivationKind kind, int batch, int features, ReadOnlySpan<uint> mask, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, T negativeSlope)
        where T : IFloatingPointIeee754<T>
    {
        CompactMasks.RequireActivationMask(kind, float.CreateChecked(negativeSlope));
        T slope = kind == ActivationKind.ReLU ? T.Zero : negativeSlope;
        int words = CompactMasks.ActivationMaskFloats(features);
        for (int sample = 0; sample < batch; sample++)
        {
            ReadOnlySpan<uint> bits = mask.Slice(sample * words, words);
            for (int i = 0; i < features; i++)
            {
                int at = sample * features + i;
                inputGradient[at] = (bits[i / 32] >> (i % 32) & 1u) != 0 ? outputGradient[at] : outputGradient[at] * slope;
            }
        }
    }

    /// <summary>φ(x) = e^(−x²/2)/√(2π).</summary>
    private static T NormalDensity<T>(T x) where T : IFloatingPointIeee754<T>
    {
        double v = double.CreateChecked(x);
        return T.CreateChecked(Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI));
    }
}

/// <summary>The reference activation in float, behind the operator interface.</summary>
internal sealed class ReferenceActivationOperator : IActivationOperator
{
    private readonly ActivationGeometry _g;

    public ReferenceActivationOperator(in ActivationGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    public void Forward(int batch, Tensor input, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Features;
        ActivationReference.Forward<float>(_g.Kind, batch, _g.Features, CpuTensor.Span(input, count, nameof(input)), CpuTensor.Span(output, count, nameof(output)), _g.NegativeSlope);
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        ActivationReference.Backward<float>(_g.Kind, batch, _g.Features, CpuTensor.OptionalSpan(input, count, nameof(input)),
            CpuTensor.Span(output, count, nameof(output)), CpuTensor.Span(outputGradient, count, nameof(outputGradient)), CpuTensor.Span(inputGradient, count, nameof(inputGradient)),
            _g.NegativeSlope);
    }

    public void ForwardSavingMask(int batch, Tensor input, Tensor output, Tensor mask)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequireActivationMask(_g.Kind, _g.NegativeSlope);
        long count = (long)batch * _g.Features;
        ActivationReference.ForwardSavingMask<float>(_g.Kind, batch, _g.Features, CpuTensor.Span(input, count, nameof(input)), CpuTensor.Span(output, count, nameof(output)),
            MemoryMarshal.Cast<float, uint>(CpuTensor.Span(mask, (long)batch * CompactMasks.ActivationMaskFloats(_g.Features), nameof(mask))), _g.NegativeSlope);
    }

    public void BackwardFromMask(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequireActivationMask(_g.Kind, _g.NegativeSlope);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        ActivationReference.BackwardFromMask<float>(_g.Kind, batch, _g.Features,
            MemoryMarshal.Cast<float, uint>(CpuTensor.Span(mask, (long)batch * CompactMasks.ActivationMaskFloats(_g.Features), nameof(mask))),
            CpuTensor.Span(outputGradient, count, nameof(outputGradient)), CpuTensor.Span(inputGradient, count, nameof(inputGradient)), _g.NegativeSlope);
    }
}

using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>A fully connected layer, y = x Wᵀ + b with W laid out [out, in]: the oracle for the fast GEMM path.</summary>
public static class LinearReference
{
    /// <summary>Computes y = x Wᵀ + b for <paramref name="batch"/> rows of g.InFeatures, in any IEEE floating-point type.</summary>
    public static void Forward<T>(in LinearGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output)
        where T : IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < g.OutFeatures; o++)
        {
            T sum = g.HasBias ? bias[o] : T.Zero;
            for (int i = 0; i < g.InFeatures; i++)
                sum += input[n * g.InFeatures + i] * weight[o * g.InFeatures + i];
            output[n * g.OutFeatures + o] = sum;
        }
    }

    /// <summary>dx = dy W, dW = dyᵀ x, db = Σ dy; all overwritten, and each skipped when its span is empty.</summary>
    public static void Backward<T>(in LinearGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> outputGradient,
        Span<T> inputGradient, Span<T> weightGradient, Span<T> biasGradient)
        where T : IFloatingPointIeee754<T>
    {
        if (!inputGradient.IsEmpty)
        {
            for (int n = 0; n < batch; n++)
            for (int i = 0; i < g.InFeatures; i++)
            {
                T sum = T.Zero;
                for (int o = 0; o < g.OutFeatures; o++)
                    sum += outputGradient[n * g.OutFeatures + o] * weight[o * g.InFeatures + i];
                inputGradient[n * g.InFeatures + i] = sum;
            }
        }

        for (int o = 0; o < g.OutFeatures; o++)
        {
            for (int i = 0; i < g.InFeatures && !weightGradient.IsEmpty; i++)
            {
                T sum = T.Zero;
                for (int n = 0; n < batch; n++)
                    sum += outputGradient[n * g.OutFeatures + o] * input[n * g.InFeatures + i];
                weightGradient[o * g.InFeatures + i] = sum;
            }

            if (g.HasBias && !biasGradient.IsEmpty)
            {
                T sum = T.Zero;
                for (int n = 0; n < batch; n++) sum += outputGradient[n * g.OutFeatures + o];
                biasGradient[o] = sum;
            }
        }
    }
}

/// <summary>The reference linear layer in float, behind the operator interface.</summary>
internal sealed class ReferenceLinearOperator : ILinearOperator
{
    private readonly LinearGeometry _g;

    public ReferenceLinearOperator(in LinearGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        LinearReference.Forward<float>(_g, batch,
            CpuTensor.Span(input, (long)batch * _g.InFeatures, nameof(input)),
            CpuTensor.Span(weight, _g.WeightSize, nameof(weight)),
            _g.HasBias ? CpuTensor.Span(bias, _g.OutFeatures, nameof(bias)) : default,
            CpuTensor.Span(output, (long)batch * _g.OutFeatures, nameof(output)));
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        LinearReference.Backward<float>(_g, batch,
            CpuTensor.Span(input, (long)batch * _g.InFeatures, nameof(input)),
            CpuTensor.Span(weight, _g.WeightSize, nameof(weight)),
            CpuTensor.Span(outputGradient, (long)batch * _g.OutFeatures, nameof(outputGradient)),
            CpuTensor.OptionalSpan(inputGradient, (long)batch * _g.InFeatures, nameof(inputGradient)),
            CpuTensor.OptionalSpan(weightGradient, _g.WeightSize, nameof(weightGradient)),
            _g.HasBias ? CpuTensor.OptionalSpan(biasGradient, _g.OutFeatures, nameof(biasGradient)) : default);
    }
}

using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// Direct convolution over NCHW tensors, with stride, padding, dilation and groups: the oracle for
/// the fast kernels. Weights are [out, in/groups, kh, kw]. Generic so that tests can run it in double.
/// </summary>
public static class Conv2dReference
{
    /// <summary>output[n, o, y, x] = bias[o] + Σ input[n, c, y·s − p + ky·d, x·s − p + kx·d] · weight[o, c, ky, kx] over the group's channels.</summary>
    public static void Forward<T>(in Conv2dGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output)
        where T : IFloatingPointIeee754<T>
    {
        int inPerGroup = g.InChannels / g.Groups, outPerGroup = g.OutChannels / g.Groups;
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        {
            int firstChannel = o / outPerGroup * inPerGroup;
            for (int y = 0; y < g.OutHeight; y++)
            for (int x = 0; x < g.OutWidth; x++)
            {
                T sum = g.HasBias ? bias[o] : T.Zero;
                for (int ci = 0; ci < inPerGroup; ci++)
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = y * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InHeight) continue;
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ix = x * g.StrideWidth - g.PaddingWidth + kx * g.DilationWidth;
                        if ((uint)ix >= (uint)g.InWidth) continue;
                        sum += input[InputIndex(g, n, firstChannel + ci, iy, ix)] * weight[WeightIndex(g, o, ci, ky, kx)];
                    }
                }
                output[((n * g.OutChannels + o) * g.OutHeight + y) * g.OutWidth + x] = sum;
            }
        }
    }

    /// <summary>
    /// Overwrites the weight and bias gradients with sums over the batch, and the input gradient;
    /// each is skipped when its span is empty (no bias, a frozen parameter, the first layer's input).
    /// </summary>
    public static void Backward<T>(in Conv2dGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> outputGradient,
        Span<T> inputGradient, Span<T> weightGradient, Span<T> biasGradient)
        where T : IFloatingPointIeee754<T>
    {
        bool wantInput = !inputGradient.IsEmpty, wantWeight = !weightGradient.IsEmpty, wantBias = g.HasBias && !biasGradient.IsEmpty;
        if (wantInput) inputGradient[..(batch * g.InputSize)].Clear();
        if (wantWeight) weightGradient[..g.WeightSize].Clear();
        if (wantBias) biasGradient[..g.OutChannels].Clear();

        int inPerGroup = g.InChannels / g.Groups, outPerGroup = g.OutChannels / g.Groups;
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        {
            int firstChannel = o / outPerGroup * inPerGroup;
            for (int y = 0; y < g.OutHeight; y++)
            for (int x = 0; x < g.OutWidth; x++)
            {
                T dy = outputGradient[((n * g.OutChannels + o) * g.OutHeight + y) * g.OutWidth + x];
                if (wantBias) biasGradient[o] += dy;
                for (int ci = 0; ci < inPerGroup; ci++)
                for (int ky = 0; ky < g.KernelHeight; ky++)
                {
                    int iy = y * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InHeight) continue;
                    for (int kx = 0; kx < g.KernelWidth; kx++)
                    {
                        int ix = x * g.StrideWidth - g.PaddingWidth + kx * g.DilationWidth;
                        if ((uint)ix >= (uint)g.InWidth) continue;
                        int i = InputIndex(g, n, firstChannel + ci, iy, ix), w = WeightIndex(g, o, ci, ky, kx);
                        if (wantWeight) weightGradient[w] += dy * input[i];
                        if (wantInput) inputGradient[i] += dy * weight[w];
                    }
                }
            }
        }
    }

    private static int InputIndex(in Conv2dGeometry g, int n, int c, int y, int x) =>
        ((n * g.InChannels + c) * g.InHeight + y) * g.InWidth + x;

    private static int WeightIndex(in Conv2dGeometry g, int o, int ci, int ky, int kx) =>
        ((o * (g.InChannels / g.Groups) + ci) * g.KernelHeight + ky) * g.KernelWidth + kx;
}

/// <summary>The reference convolution in float, behind the operator interface.</summary>
internal sealed class ReferenceConv2dOperator : IConv2dOperator
{
    private readonly Conv2dGeometry _g;

    public ReferenceConv2dOperator(in Conv2dGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        Conv2dReference.Forward<float>(_g, batch,
            CpuTensor.Span(input, (long)batch * _g.InputSize, nameof(input)),
            CpuTensor.Span(weight, _g.WeightSize, nameof(weight)),
            _g.HasBias ? CpuTensor.Span(bias, _g.OutChannels, nameof(bias)) : default,
            CpuTensor.Span(output, (long)batch * _g.OutputSize, nameof(output)));
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        Conv2dReference.Backward<float>(_g, batch,
            CpuTensor.Span(input, (long)batch * _g.InputSize, nameof(input)),
            CpuTensor.Span(weight, _g.WeightSize, nameof(weight)),
            CpuTensor.Span(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient)),
            CpuTensor.OptionalSpan(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient)),
            CpuTensor.OptionalSpan(weightGradient, _g.WeightSize, nameof(weightGradient)),
            _g.HasBias ? CpuTensor.OptionalSpan(biasGradient, _g.OutChannels, nameof(biasGradient)) : default);
    }
}

using System.Numerics;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// ReLU, LeakyReLU, SiLU and GELU as SIMD loops; Tanh, Sigmoid, Softmax and LogSoftmax through the
/// reference kernels, which are cheap next to the layers around them.
/// </summary>
internal sealed unsafe class FastActivationOperator : IActivationOperator
{
    private readonly ActivationGeometry _g;

    public FastActivationOperator(in ActivationGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    public void Forward(int batch, Tensor input, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        int count = batch * _g.Features;
        Span<float> x = CpuTensor.Span(input, count, nameof(input)), y = CpuTensor.Span(output, count, nameof(output));
        if (_g.Kind == ActivationKind.SiLU)
        {
            FastSmoothActivations.SiluForward(x, y);
            return;
        }
        if (_g.Kind == ActivationKind.GELU)
        {
            FastSmoothActivations.GeluForward(x, y);
            return;
        }
        if (_g.Kind is not (ActivationKind.ReLU or ActivationKind.LeakyReLU))
        {
            ActivationReference.Forward<float>(_g.Kind, batch, _g.Features, x, y, _g.NegativeSlope);
            return;
        }

        // ReLU is LeakyReLU with slope 0. Select on x < 0 rather than Max, so that a NaN passes through as the reference's (and PyTorch's) does.
        float slope = _g.Kind == ActivationKind.ReLU ? 0f : _g.NegativeSlope;
        var vslope = new Vector<float>(slope);
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), slope == 0f ? Vector<float>.Zero : v * vslope, v).CopyTo(y[i..]);
        }
        for (; i < count; i++) y[i] = x[i] < 0f ? (slope == 0f ? 0f : x[i] * slope) : x[i];
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        int count = batch * _g.Features;
        if (_g.Kind is ActivationKind.SiLU or ActivationKind.GELU)
        {
            Span<float> x = CpuTensor.Span(input, count, nameof(input));
            Span<float> g = CpuTensor.Span(outputGradient, count, nameof(outputGradient)), d = CpuTensor.Span(inputGradient, count, nameof(inputGradient));
            if (_g.Kind == ActivationKind.SiLU) FastSmoothActivations.SiluBackward(x, g, d);
            else FastSmoothActivations.GeluBackward(x, g, d);
            return;
        }
        Span<float> y = CpuTensor.Span(output, count, nameof(output));
        Span<float> dy = CpuTensor.Span(outputGradient, count, nameof(outputGradient));
        Span<float> dx = CpuTensor.Span(inputGradient, count, nameof(inputGradient));
        bool leaky = _g.Kind == ActivationKind.LeakyReLU;
        if (!(_g.Kind == ActivationKind.ReLU || leaky && _g.NegativeSlope >= 0f))
        {
            ActivationReference.Backward<float>(_g.Kind, batch, _g.Features, CpuTensor.OptionalSpan(input, count, nameof(input)), y, dy, dx, _g.NegativeSlope);
            return;
        }

        float slope = leaky ? _g.NegativeSlope : 0f;
        var vslope = new Vector<float>(slope);
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var active = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
            var g = new Vector<float>(dy[i..]);
            Vector.ConditionalSelect(active, g, leaky ? g * vslope : Vector<float>.Zero).CopyTo(dx[i..]);
        }
        for (; i < count; i++) dx[i] = y[i] > 0f ? dy[i] : leaky ? dy[i] * slope : 0f;
    }

    public void ForwardSavingMask(int batch, Tensor input, Tensor output, Tensor mask)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequireActivationMask(_g.Kind, _g.NegativeSlope);
        long count = (long)batch * _g.Features;
        ActivationMasks.Forward(batch, _g.Features, Slope, CpuTensor.Pointer(input, count, nameof(input)), CpuTensor.Pointer(output, count, nameof(output)), MaskPointer(mask, batch));
    }

    public void BackwardFromMask(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequireActivationMask(_g.Kind, _g.NegativeSlope);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        ActivationMasks.Backward(batch, _g.Features, Slope, MaskPointer(mask, batch),
            CpuTensor.Pointer(outputGradient, count, nameof(outputGradient)), CpuTensor.Pointer(inputGradient, count, nameof(inputGradient)));
    }

    private float Slope => _g.Kind == ActivationKind.ReLU ? 0f : _g.NegativeSlope;

    private uint* MaskPointer(Tensor mask, int batch) => (uint*)CpuTensor.Pointer(mask, (long)batch * CompactMasks.ActivationMaskFloats(_g.Features), nameof(mask));
}

using System.Numerics;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// ReLU as SIMD loops; Tanh, Sigmoid, Softmax and LogSoftmax through the reference kernels, which
/// are cheap next to the layers around them.
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
        if (_g.Kind != ActivationKind.ReLU)
        {
            ActivationReference.Forward<float>(_g.Kind, batch, _g.Features, x, y);
            return;
        }

        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            // Select rather than Max, so that a NaN maps to 0 exactly as the reference's x > 0 test does.
            Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, Vector<float>.Zero).CopyTo(y[i..]);
        }
        for (; i < count; i++) y[i] = x[i] > 0f ? x[i] : 0f;
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        int count = batch * _g.Features;
        Span<float> y = CpuTensor.Span(output, count, nameof(output));
        Span<float> dy = CpuTensor.Span(outputGradient, count, nameof(outputGradient));
        Span<float> dx = CpuTensor.Span(inputGradient, count, nameof(inputGradient));
        if (_g.Kind != ActivationKind.ReLU)
        {
            ActivationReference.Backward<float>(_g.Kind, batch, _g.Features, y, dy, dx);
            return;
        }

        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            var active = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
            Vector.ConditionalSelect(active, new Vector<float>(dy[i..]), Vector<float>.Zero).CopyTo(dx[i..]);
        }
        for (; i < count; i++) dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
}

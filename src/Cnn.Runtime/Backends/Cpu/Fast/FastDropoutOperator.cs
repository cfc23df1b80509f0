using System.Numerics;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Inverted dropout with <see cref="DropoutReference"/>'s masks, bit for bit: call number <c>call</c>
/// draws one uniform per element, in order, from stream <c>call</c> of the layer's seed, so the
/// draws stay on one thread; the choice between dropped and kept is made without a branch (the
/// reference's branch, mispredicted every other element at p = 0.5, cost about 7 ns an element in the
/// CIFAR AlexNet-like net's training step) and the backward is a vector product.
/// </summary>
internal sealed unsafe class FastDropoutOperator : IDropoutOperator
{
    private DropoutGeometry _g;
    private ulong _calls;

    /// <param name="geometry">The layer's shapes, probability and seed.</param>
    public FastDropoutOperator(in DropoutGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    /// <inheritdoc/>
    public ulong MaskSeed { get => _g.Seed; set => _g = _g with { Seed = value }; }

    /// <inheritdoc/>
    public ulong MaskStream { get => _calls; set => _calls = value; }

    /// <inheritdoc/>
    public void Forward(int batch, Tensor input, Tensor output, Tensor mask, bool training)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Features;
        float* x = CpuTensor.Pointer(input, count, nameof(input)), y = CpuTensor.Pointer(output, count, nameof(output)), m = CpuTensor.Pointer(mask, count, nameof(mask));
        if (!training)
        {
            if (x != y) new ReadOnlySpan<float>(x, (int)count).CopyTo(new Span<float>(y, (int)count));
            new Span<float>(m, (int)count).Fill(1f);
            return;
        }
        float p = _g.Probability, scale = p < 1f ? 1f / (1f - p) : 0f;
        // The reference drops element i when NextSingle() = u·2⁻²⁴ < p, u the draw's top 24 bits: exactly
        // when u < ⌈p·2²⁴⌉. Without a branch, which a drop probability of one half mispredicts every other element.
        long threshold = (long)Math.Ceiling(p * (double)(1 << 24));
        int scaleBits = BitConverter.SingleToInt32Bits(scale);
        SeededRandom random = SeededRandom.ForStream(_g.Seed, _calls++);
        for (long i = 0; i < count; i++)
        {
            long dropped = ((long)(random.NextUInt64() >> 40) - threshold) >> 63;
            float keep = BitConverter.Int32BitsToSingle(scaleBits & ~(int)dropped);
            m[i] = keep;
            y[i] = x[i] * keep;
        }
    }

    /// <inheritdoc/>
    public void Backward(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        float* m = CpuTensor.Pointer(mask, count, nameof(mask)), dy = CpuTensor.Pointer(outputGradient, count, nameof(outputGradient)), dx = CpuTensor.Pointer(inputGradient, count, nameof(inputGradient));
        long i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count) (Vector.Load(dy + i) * Vector.Load(m + i)).Store(dx + i);
        for (; i < count; i++) dx[i] = dy[i] * m[i];
    }
}

using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// Inverted dropout. Call number <c>call</c> of a layer draws its mask from stream <c>call</c> of the
/// layer's seed, one uniform per element in order, so a run is reproducible whatever the thread count.
/// </summary>
public static class DropoutReference
{
    /// <summary>
    /// In training, fills <paramref name="mask"/> with 0 (probability p) or 1/(1−p) and writes input·mask; in
    /// evaluation, copies the input and fills the mask with 1 so that a backward pass is the identity.
    /// </summary>
    public static void Forward<T>(in DropoutGeometry g, int batch, ulong call, ReadOnlySpan<T> input, Span<T> output, Span<T> mask, bool training)
        where T : IFloatingPointIeee754<T>
    {
        int count = batch * g.Features;
        if (!training)
        {
            input[..count].CopyTo(output);
            mask[..count].Fill(T.One);
            return;
        }

        FillMask(g, call, mask[..count]);
        for (int i = 0; i < count; i++) output[i] = input[i] * mask[i];
    }

    /// <summary>The mask of call number <paramref name="call"/>: element i is dropped when its uniform draw is below p.</summary>
    public static void FillMask<T>(in DropoutGeometry g, ulong call, Span<T> mask) where T : IFloatingPointIeee754<T>
    {
        float p = g.Probability;
        T scale = p < 1f ? T.One / (T.One - T.CreateChecked(p)) : T.Zero;
        SeededRandom random = SeededRandom.ForStream(g.Seed, call);
        for (int i = 0; i < mask.Length; i++)
            mask[i] = random.NextSingle() < p ? T.Zero : scale;
    }

    /// <summary>inputGradient = outputGradient · mask, overwritten.</summary>
    public static void Backward<T>(int count, ReadOnlySpan<T> mask, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < count; i++) inputGradient[i] = outputGradient[i] * mask[i];
    }
}

/// <summary>The reference dropout in float, behind the operator interface. Counts its training calls to pick mask streams.</summary>
internal sealed class ReferenceDropoutOperator : IDropoutOperator
{
    private DropoutGeometry _g;
    private ulong _calls;

    public ReferenceDropoutOperator(in DropoutGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    public ulong MaskSeed { get => _g.Seed; set => _g = _g with { Seed = value }; }

    public ulong MaskStream { get => _calls; set => _calls = value; }

    public void Forward(int batch, Tensor input, Tensor output, Tensor mask, bool training)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Features;
        DropoutReference.Forward<float>(_g, batch, training ? _calls++ : 0,
            CpuTensor.Span(input, count, nameof(input)), CpuTensor.Span(output, count, nameof(output)), CpuTensor.Span(mask, count, nameof(mask)), training);
    }

    public void Backward(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        int count = batch * _g.Features;
        DropoutReference.Backward<float>(count,
            CpuTensor.Span(mask, count, nameof(mask)), CpuTensor.Span(outputGradient, count, nameof(outputGradient)), CpuTensor.Span(inputGradient, count, nameof(inputGradient)));
    }
}

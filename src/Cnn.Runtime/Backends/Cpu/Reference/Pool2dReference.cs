using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// Pooling over NCHW tensors, as PyTorch defines it: max ignores padding and routes the gradient to
/// the first maximum of each window; average by default counts padded zeros (count_include_pad=True),
/// dividing by the window clipped to the padded input, and with CountIncludePad = false divides by the
/// input elements in the window (ATen's avg_pool2d, ceil-mode windows included); sum adds the window; adaptive average averages rows
/// floor(i·H/OH) … ceil((i+1)·H/OH) and likewise for columns.
/// </summary>
public static class Pool2dReference
{
    /// <summary>Pools <paramref name="batch"/> NCHW samples as <paramref name="g"/> describes, in any IEEE floating-point type.</summary>
    public static void Forward<T>(in Pool2dGeometry g, int batch, ReadOnlySpan<T> input, Span<T> output)
        where T : IFloatingPointIeee754<T>
    {
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
        for (int plane = 0; plane < batch * g.Channels; plane++)
            ForwardPlane(g, input.Slice(plane * inPlane, inPlane), output.Slice(plane * outPlane, outPlane));
    }

    /// <summary>Overwrites <paramref name="inputGradient"/>. The max pool finds each window's maximum again from <paramref name="input"/>, which the other kinds do not read (it may be empty).</summary>
    public static void Backward<T>(in Pool2dGeometry g, int batch, ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : IFloatingPointIeee754<T>
    {
        int inPlane = g.InHeight * g.InWidth, outPlane = g.OutHeight * g.OutWidth;
        for (int plane = 0; plane < batch * g.Channels; plane++)
            BackwardPlane(g, input.IsEmpty ? default : input.Slice(plane * inPlane, inPlane), outputGradient.Slice(plane * outPlane, outPlane), inputGradient.Slice(plane * inPlane, inPlane));
    }

    /// <summary>Pools one (sample, channel) plane.</summary>
    public static void ForwardPlane<T>(in Pool2dGeometry g, ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            Window w = Window.At(g, oy, ox);
            T result;
            if (g.Kind == PoolKind.Max)
            {
                int best = ArgMax(g, x, w);
                result = best < 0 ? T.NegativeInfinity : x[best];
            }
            else
            {
                T sum = T.Zero;
                for (int iy = w.Y0; iy < w.Y1; iy++)
                for (int ix = w.X0; ix < w.X1; ix++)
                    sum += x[iy * g.InWidth + ix];
                result = g.Kind == PoolKind.Sum ? sum : sum / T.CreateChecked(w.Divisor);
            }
            y[oy * g.OutWidth + ox] = result;
        }
    }

    /// <summary>Overwrites the input gradient of one plane.</summary>
    public static void BackwardPlane<T>(in Pool2dGeometry g, ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        dx.Clear();
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            Window w = Window.At(g, oy, ox);
            T gradient = dy[oy * g.OutWidth + ox];
            if (g.Kind == PoolKind.Max)
            {
                int best = ArgMax(g, x, w);
                if (best >= 0) dx[best] += gradient;
            }
            else
            {
                T share = g.Kind == PoolKind.Sum ? gradient : gradient / T.CreateChecked(w.Divisor);
                for (int iy = w.Y0; iy < w.Y1; iy++)
                for (int ix = w.X0; ix < w.X1; ix++)
                    dx[iy * g.InWidth + ix] += share;
            }
        }
    }

    /// <summary>
    /// Max-pools one plane and writes each window's maximum position as a byte (<see cref="CompactMasks"/>):
    /// what a training plan keeps instead of the input and output.
    /// </summary>
    public static void ForwardPlaneSavingIndices<T>(in Pool2dGeometry g, ReadOnlySpan<T> x, Span<T> y, Span<byte> indices) where T : IFloatingPointIeee754<T>
    {
        CompactMasks.RequirePoolIndices(g);
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            Window w = Window.At(g, oy, ox);
            int best = ArgMax(g, x, w), at = oy * g.OutWidth + ox;
            y[at] = best < 0 ? T.NegativeInfinity : x[best];
            indices[at] = best < 0 ? CompactMasks.NoMaximum : WindowPosition(g, oy, ox, best);
        }
    }

    /// <summary>Overwrites the input gradient of one plane from the indices <see cref="ForwardPlaneSavingIndices"/> wrote.</summary>
    public static void BackwardPlaneFromIndices<T>(in Pool2dGeometry g, ReadOnlySpan<byte> indices, ReadOnlySpan<T> dy, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        CompactMasks.RequirePoolIndices(g);
        dx.Clear();
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            int at = oy * g.OutWidth + ox;
            if (indices[at] == CompactMasks.NoMaximum) continue;
            dx[InputPosition(g, oy, ox, indices[at])] += dy[at];
        }
    }

    /// <summary>Input element <paramref name="position"/>'s place in window (oy, ox), counted from the window's padded origin.</summary>
    internal static byte WindowPosition(in Pool2dGeometry g, int oy, int ox, int position)
    {
        int iy = position / g.InWidth, ix = position % g.InWidth;
        return (byte)((iy - (oy * g.StrideHeight - g.PaddingHeight)) * g.KernelWidth + ix - (ox * g.StrideWidth - g.PaddingWidth));
    }

    /// <summary>The input element (row · InWidth + column) at place <paramref name="index"/> of window (oy, ox).</summary>
    internal static int InputPosition(in Pool2dGeometry g, int oy, int ox, byte index)
        => (oy * g.StrideHeight - g.PaddingHeight + index / g.KernelWidth) * g.InWidth + ox * g.StrideWidth - g.PaddingWidth + index % g.KernelWidth;

    // PyTorch's rule: a later element wins only if strictly greater, or NaN.
    private static int ArgMax<T>(in Pool2dGeometry g, ReadOnlySpan<T> x, Window w) where T : IFloatingPointIeee754<T>
    {
        int best = -1;
        T max = T.NegativeInfinity;
        for (int iy = w.Y0; iy < w.Y1; iy++)
        for (int ix = w.X0; ix < w.X1; ix++)
        {
            T v = x[iy * g.InWidth + ix];
            if (best < 0 || v > max || T.IsNaN(v))
            {
                max = v;
                best = iy * g.InWidth + ix;
                if (T.IsNaN(v)) return best;
            }
        }
        return best;
    }

    /// <summary>A window's rows [Y0, Y1) and columns [X0, X1) inside the input, and its average-pool divisor.</summary>
    internal readonly record struct Window(int Y0, int Y1, int X0, int X1, int Divisor)
    {
        public static Window At(in Pool2dGeometry g, int oy, int ox)
        {
            if (g.Kind == PoolKind.AdaptiveAverage)
            {
                int ay0 = oy * g.InHeight / g.OutHeight, ay1 = ((oy + 1) * g.InHeight + g.OutHeight - 1) / g.OutHeight;
                int ax0 = ox * g.InWidth / g.OutWidth, ax1 = ((ox + 1) * g.InWidth + g.OutWidth - 1) / g.OutWidth;
                return new Window(ay0, ay1, ax0, ax1, (ay1 - ay0) * (ax1 - ax0));
            }
            int y0 = oy * g.StrideHeight - g.PaddingHeight, x0 = ox * g.StrideWidth - g.PaddingWidth;
            int y1 = Math.Min(y0 + g.KernelHeight, g.InHeight + g.PaddingHeight);
            int x1 = Math.Min(x0 + g.KernelWidth, g.InWidth + g.PaddingWidth);
            var inside = new Window(Math.Max(y0, 0), Math.Min(y1, g.InHeight), Math.Max(x0, 0), Math.Min(x1, g.InWidth), 0);
            int divisor = g.CountIncludePad ? (y1 - y0) * (x1 - x0) : (inside.Y1 - inside.Y0) * (inside.X1 - inside.X0);
            return inside with { Divisor = divisor };
        }
    }
}

/// <summary>The reference pooling in float, behind the operator interface.</summary>
internal sealed class ReferencePool2dOperator : IPool2dOperator
{
    private readonly Pool2dGeometry _g;

    public ReferencePool2dOperator(in Pool2dGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _g = geometry;
    }

    public void Forward(int batch, Tensor input, Tensor output)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        Pool2dReference.Forward<float>(_g, batch,
            CpuTensor.Span(input, (long)batch * _g.InputSize, nameof(input)),
            CpuTensor.Span(output, (long)batch * _g.OutputSize, nameof(output)));
    }

    public void Backward(int batch, Tensor input, Tensor output, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        Pool2dReference.Backward<float>(_g, batch,
            _g.Kind == PoolKind.Max ? CpuTensor.Span(input, (long)batch * _g.InputSize, nameof(input)) : CpuTensor.OptionalSpan(input, (long)batch * _g.InputSize, nameof(input)),
            CpuTensor.Span(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient)),
            CpuTensor.Span(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient)));
    }

    public void ForwardSavingIndices(int batch, Tensor input, Tensor output, Tensor indices)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequirePoolIndices(_g);
        Span<float> x = CpuTensor.Span(input, (long)batch * _g.InputSize, nameof(input)), y = CpuTensor.Span(output, (long)batch * _g.OutputSize, nameof(output));
        Span<byte> bytes = Pool2dIndices.Bytes(indices, batch, _g, nameof(indices));
        int inPlane = _g.InHeight * _g.InWidth, outPlane = _g.OutHeight * _g.OutWidth;
        for (int sample = 0; sample < batch; sample++)
        for (int c = 0; c < _g.Channels; c++)
        {
            int plane = sample * _g.Channels + c;
            Pool2dReference.ForwardPlaneSavingIndices<float>(_g, x.Slice(plane * inPlane, inPlane), y.Slice(plane * outPlane, outPlane),
                bytes.Slice(Pool2dIndices.PlaneStart(_g, sample, c), outPlane));
        }
    }

    public void BackwardFromIndices(int batch, Tensor indices, Tensor outputGradient, Tensor inputGradient)
    {
        GeometryChecks.Batch(batch, _g.MaxBatch);
        CompactMasks.RequirePoolIndices(_g);
        if (inputGradient.IsEmpty) return;
        Span<float> dy = CpuTensor.Span(outputGradient, (long)batch * _g.OutputSize, nameof(outputGradient));
        Span<float> dx = CpuTensor.Span(inputGradient, (long)batch * _g.InputSize, nameof(inputGradient));
        Span<byte> bytes = Pool2dIndices.Bytes(indices, batch, _g, nameof(indices));
        int inPlane = _g.InHeight * _g.InWidth, outPlane = _g.OutHeight * _g.OutWidth;
        for (int sample = 0; sample < batch; sample++)
        for (int c = 0; c < _g.Channels; c++)
        {
            int plane = sample * _g.Channels + c;
            Pool2dReference.BackwardPlaneFromIndices<float>(_g, bytes.Slice(Pool2dIndices.PlaneStart(_g, sample, c), outPlane),
                dy.Slice(plane * outPlane, outPlane), dx.Slice(plane * inPlane, inPlane));
        }
    }
}

using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// What a fast fused step applies to each output row before it leaves the cache: y = f(x·scale + shift)
/// with a scale and shift per channel (the bias, or a batch norm folded in) and an elementwise
/// activation f. ReLU and LeakyReLU are one SIMD pass with the affine step; the smooth activations
/// run their own kernels over the row right after it. Prepared on the calling thread, and then only
/// read by the workers; the scale and shift are computed again only when the bias or the batch norm's
/// tensors changed (their <see cref="DeviceBuffer.Version"/>), not on every call.
/// </summary>
internal sealed unsafe class ChannelEpilogue
{
    private readonly float[] _scale, _shift;
    private readonly float _epsilon;
    private readonly bool _hasBatchNorm;

    // The tensors the scale and shift were computed from; null before the first call.
    private (TensorStamp Bias, TensorStamp Weight, TensorStamp Shift, TensorStamp Mean, TensorStamp Variance)? _preparedFrom;

    /// <param name="channels">Output channels (a convolution's) or features (a linear layer's).</param>
    /// <param name="epilogue">The batch norm (folded into the scale and shift) and the activation.</param>
    public ChannelEpilogue(int channels, in Epilogue epilogue)
    {
        _scale = GC.AllocateArray<float>(channels, pinned: true);
        _shift = GC.AllocateArray<float>(channels, pinned: true);
        _hasBatchNorm = epilogue.BatchNorm is not null;
        _epsilon = epilogue.BatchNorm?.Epsilon ?? 0f;
        Activation = epilogue.Activation?.Kind;
        NegativeSlope = Activation == ActivationKind.ReLU ? 0f : epilogue.Activation?.NegativeSlope ?? 0f;
    }

    /// <summary>The activation applied last, or null.</summary>
    public ActivationKind? Activation { get; }

    /// <summary>Below zero, x·slope: 0 for ReLU.</summary>
    public float NegativeSlope { get; }

    /// <summary>This call's scale per channel (pinned: its address is stable), as <see cref="Prepare"/> set it.</summary>
    public ReadOnlySpan<float> Scale => _scale;

    /// <summary>This call's shift per channel (pinned: its address is stable), as <see cref="Prepare"/> set it.</summary>
    public ReadOnlySpan<float> Shift => _shift;

    /// <summary><see cref="Scale"/>'s first element, for kernels that finish in registers (the array is pinned).</summary>
    public float* ScalePointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scale));

    /// <summary><see cref="Shift"/>'s first element, for kernels that finish in registers (the array is pinned).</summary>
    public float* ShiftPointer => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_shift));

    /// <summary>
    /// The slope below zero of a kernel that applies the activation itself as a select, for the
    /// activations it takes (none, ReLU, LeakyReLU): <see cref="NegativeSlope"/> (0 for ReLU), and 1
    /// without an activation, which leaves every value as it is.
    /// </summary>
    public float SelectSlope => Activation is null ? 1f : NegativeSlope;

    /// <summary>
    /// Sets this call's scale and shift: 1 and the bias (0 without one), or with the batch norm folded
    /// in, scale = γ / √(running variance + ε) and shift = β + (bias − running mean)·scale, in double.
    /// Nothing to do when none of those tensors was written since the last call.
    /// </summary>
    /// <param name="bias">The layer's bias; the empty tensor for a layer without one.</param>
    /// <param name="batchNorm">The batch norm's tensors; <c>default</c> without one.</param>
    public void Prepare(Tensor bias, in BatchNormTensors batchNorm)
    {
        var from = (TensorStamp.Of(bias), TensorStamp.Of(batchNorm.Weight), TensorStamp.Of(batchNorm.Bias),
            TensorStamp.Of(batchNorm.RunningMean), TensorStamp.Of(batchNorm.RunningVariance));
        if (_preparedFrom == from) return;
        Compute(CpuTensor.OptionalPointer(bias, _scale.Length, nameof(bias)), batchNorm);
        _preparedFrom = from;
    }

    private void Compute(float* bias, in BatchNormTensors batchNorm)
    {
        int channels = _scale.Length;
        if (!_hasBatchNorm)
        {
            _scale.AsSpan().Fill(1f);
            if (bias == null) _shift.AsSpan().Clear();
            else new ReadOnlySpan<float>(bias, channels).CopyTo(_shift);
            return;
        }
        float* gamma = CpuTensor.Pointer(batchNorm.Weight, channels, "batchNorm.Weight");
        float* beta = CpuTensor.Pointer(batchNorm.Bias, channels, "batchNorm.Bias");
        float* mean = CpuTensor.Pointer(batchNorm.RunningMean, channels, "batchNorm.RunningMean");
        float* variance = CpuTensor.Pointer(batchNorm.RunningVariance, channels, "batchNorm.RunningVariance");
        for (int c = 0; c < channels; c++)
        {
            double scale = gamma[c] / Math.Sqrt((double)variance[c] + _epsilon);
            _scale[c] = (float)scale;
            _shift[c] = (float)(beta[c] + ((bias == null ? 0.0 : bias[c]) - mean[c]) * scale);
        }
    }

    /// <summary>row[i] = f(row[i]) over <paramref name="count"/> values: a layer whose bias is already in its output (a linear layer's).</summary>
    public void ApplyActivation(float* row, int count) => Apply(row, row, count, 1f, 0f);

    /// <summary>destination[i] = f(source[i]·scale[channel] + shift[channel]) over one row; the two may be the same.</summary>
    public void Apply(float* source, float* destination, int count, int channel) => Apply(source, destination, count, _scale[channel], _shift[channel]);

    private void Apply(float* source, float* destination, int count, float scale, float shift)
    {
        bool rectify = Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU;
        var vscale = new Vector<float>(scale);
        var vshift = new Vector<float>(shift);
        // Below zero, ReLU (slope 0) selects 0 rather than v·0, which is NaN for v = −∞.
        bool zeroBelow = NegativeSlope == 0f;
        var vslope = new Vector<float>(NegativeSlope);
        int i = 0;
        for (; i <= count - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> v = Vector.Load(source + i) * vscale + vshift;
            // Select on v < 0 rather than Max, so that a NaN passes through as the layer's own ReLU lets it.
            if (rectify) v = Vector.ConditionalSelect(Vector.LessThan(v, Vector<float>.Zero), zeroBelow ? Vector<float>.Zero : v * vslope, v);
            v.Store(destination + i);
        }
        for (; i < count; i++)
        {
            float v = source[i] * scale + shift;
            destination[i] = rectify && v < 0f ? (zeroBelow ? 0f : v * NegativeSlope) : v;
        }
        if (rectify || Activation is not { } kind) return;
        var row = new Span<float>(destination, count);
        if (kind == ActivationKind.SiLU) FastSmoothActivations.SiluForward(row, row);
        else if (kind == ActivationKind.GELU) FastSmoothActivations.GeluForward(row, row);
        else ActivationReference.Forward<float>(kind, 1, count, row, row, NegativeSlope);
    }
}

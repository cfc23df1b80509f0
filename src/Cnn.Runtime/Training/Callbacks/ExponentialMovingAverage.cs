using System.Numerics;

namespace Cnn.Training;

/// <summary>
/// Keeps an exponential moving average of the weights during training, as timm's <c>ModelEmaV2</c>
/// (parameters and buffers, such as batch norm's running statistics): after every
/// <see cref="Every"/>-th step, <c>ema = decay·ema + (1 − decay)·weights</c>, starting from the
/// weights before the first step. When training ends, the network gets the averaged weights, as
/// Keras's optimizers with <c>use_ema=True</c> do.
/// </summary>
/// <remarks>Not part of a resumable checkpoint: a resumed run starts a fresh average.</remarks>
public sealed class ExponentialMovingAverage : ICallback
{
    private float[] _parameters = [], _buffers = [], _average = [];
    private bool _started;

    /// <summary>Averages with <paramref name="decay"/> per update (timm's default is 0.9998) every <paramref name="every"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is outside [0, 1), or <paramref name="every"/> is not positive.</exception>
    public ExponentialMovingAverage(double decay = 0.9998, int every = 1)
    {
        if (!(decay >= 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must be in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(every);
        Decay = decay;
        Every = every;
    }

    /// <summary>The weight of the old average at each update.</summary>
    public double Decay { get; }

    /// <summary>Steps between updates.</summary>
    public int Every { get; }

    /// <summary>Whether the network gets the averaged weights when training ends (true by default); otherwise call <see cref="ApplyTo"/>.</summary>
    public bool ApplyOnTrainEnd { get; init; } = true;

    /// <summary>Writes the averaged parameters and buffers into <paramref name="network"/>, the one trained.</summary>
    /// <exception cref="InvalidOperationException">No training has started yet.</exception>
    /// <exception cref="ArgumentException"><paramref name="network"/> has other parameter or buffer sizes.</exception>
    public void ApplyTo(INetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (_average.Length == 0) throw new InvalidOperationException("No average yet: train with this callback first.");
        int buffers = network.BufferInfos.Count > 0 ? network.Buffers.Length : 0;
        if (network.Parameters.Length != _parameters.Length || buffers != _buffers.Length)
            throw new ArgumentException($"The average holds {_parameters.Length} parameters and {_buffers.Length} buffer values; {network.ArchitectureName} has {network.Parameters.Length} and {buffers}.", nameof(network));
        network.Backend.Upload(_average.AsSpan(0, _parameters.Length), network.Parameters);
        if (_buffers.Length > 0) network.Backend.Upload(_average.AsSpan(_parameters.Length), network.Buffers);
    }

    /// <inheritdoc/>
    public void OnTrainBegin(TrainingContext context)
    {
        INetwork network = context.Network;
        _parameters = new float[network.Parameters.Length];
        _buffers = new float[network.BufferInfos.Count > 0 ? network.Buffers.Length : 0];
        _average = new float[_parameters.Length + _buffers.Length];
        Download(network);
        _parameters.CopyTo(_average, 0);
        _buffers.CopyTo(_average, _parameters.Length);
        _started = true;
    }

    /// <inheritdoc/>
    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (!_started || !double.IsFinite(batch.Loss) || context.Step % Every != 0) return;
        Download(context.Network);
        Blend(_average.AsSpan(0, _parameters.Length), _parameters, (float)Decay);
        Blend(_average.AsSpan(_parameters.Length), _buffers, (float)Decay);
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingContext context)
    {
        if (!_started) return;
        _started = false;
        if (ApplyOnTrainEnd) ApplyTo(context.Network);
    }

    private void Download(INetwork network)
    {
        network.Backend.Download(network.Parameters, _parameters);
        if (_buffers.Length > 0) network.Backend.Download(network.Buffers, _buffers);
    }

    /// <summary><paramref name="average"/> = decay·average + (1 − decay)·values.</summary>
    internal static void Blend(Span<float> average, ReadOnlySpan<float> values, float decay)
    {
        float rest = 1 - decay;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var d = new Vector<float>(decay);
            var r = new Vector<float>(rest);
            for (; i <= average.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(average[i..]) * d + new Vector<float>(values[i..]) * r).CopyTo(average[i..]);
        }
        for (; i < average.Length; i++) average[i] = average[i] * decay + values[i] * rest;
    }
}

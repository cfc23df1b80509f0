namespace Cnn.Training;

/// <summary>
/// Keeps an exponential moving average of the weights during training, as timm's <c>ModelEmaV2</c>
/// (parameters and buffers, such as batch norm's running statistics): after every
/// <see cref="Every"/>-th step, <c>ema = decay·ema + (1 − decay)·weights</c>, starting from the
/// weights before the first step. Batch norm's batch counts (<c>num_batches_tracked</c>) are not
/// averaged but copied from the network, as timm's <c>ModelEmaV3</c> copies integer buffers. When
/// training ends, the network gets the averaged weights, as Keras's optimizers with <c>use_ema=True</c> do.
/// </summary>
/// <remarks>
/// <para>Not part of a resumable checkpoint: a resumed run starts a fresh average.</para>
/// <para>
/// Callbacks end in list order, and each that writes weights when training ends overwrites the one
/// before: with <see cref="EarlyStopping"/> restoring its best weights in the same list, the network
/// ends with the averaged weights if this callback comes after it, and with the best epoch's
/// (unaveraged) weights if it comes before. Set <see cref="ApplyOnTrainEnd"/> to false and call
/// <see cref="ApplyTo"/> to choose after training.
/// </para>
/// </remarks>
public sealed class ExponentialMovingAverage : ICallback
{
    private WeightSnapshot? _average, _current;
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
        if (_average is null) throw new InvalidOperationException("No average yet: train with this callback first.");
        if (!_average.Fits(network))
        {
            int buffers = network.BufferInfos.Count > 0 ? network.Buffers.Length : 0;
            throw new ArgumentException($"The average holds {_average.ParameterCount} parameters and {_average.BufferCount} buffer values; {network.ArchitectureName} has {network.Parameters.Length} and {buffers}.", nameof(network));
        }
        _average.Restore(network);
    }

    /// <inheritdoc/>
    public void OnTrainBegin(TrainingContext context)
    {
        INetwork network = context.Network;
        _average = new WeightSnapshot(network);
        _current = new WeightSnapshot(network);
        _average.Capture(network);
        _started = true;
    }

    /// <inheritdoc/>
    public void OnBatchEnd(TrainingContext context, BatchResult batch)
    {
        if (!_started || !double.IsFinite(batch.Loss) || context.Step % Every != 0) return;
        _current!.Capture(context.Network);
        _average!.Blend(_current, (float)Decay, context.Network.BufferInfos);
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingContext context)
    {
        if (!_started) return;
        _started = false;
        if (ApplyOnTrainEnd) ApplyTo(context.Network);
    }
}

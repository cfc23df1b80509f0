using Cnn.Distributed;

namespace Cnn.Training;

/// <summary>
/// The data-parallel part of a training step: one all-reduce per step over a host buffer that holds
/// the gradients, each scaled by its rank's sample count, followed by four numbers (loss × count,
/// correct, count, non-finite). Dividing the sum by the total count gives the gradient of the mean
/// loss over every rank's samples, which is exactly the single-process gradient of the whole batch
/// when the ranks' samples together are that batch. The buffers are allocated once. On a network built on a
/// <see cref="GradientSignallingBackend"/> the gradients go in <see cref="GradientBuckets"/> whose all-reduces
/// start during backward, and the four numbers follow in a reduction of their own; the sums, the scaling and the
/// division are the same, so with two ranks the result is bitwise that of the single all-reduce.
/// </summary>
internal sealed class DataParallel
{
    private const int Extra = 4;
    private readonly ICollectives _collectives;
    private readonly float[] _buffer;
    private readonly int _gradients;
    private readonly GradientSignallingBackend? _signalling;
    private readonly GradientBuckets? _buckets;

    public DataParallel(INetwork network, ICollectives collectives, long bucketBytes)
    {
        _collectives = collectives;
        _signalling = network.Backend as GradientSignallingBackend;
        BackwardIsCollective = (_signalling?.Inner ?? network.Backend) is SynchronizedBatchNormBackend;
        _gradients = network.Gradients.Length;
        // Pinned: a started reduction's range must stay where MPI writes it.
        _buffer = _signalling is null ? new float[checked(_gradients + Extra)] : GC.AllocateArray<float>(checked(_gradients + Extra), pinned: true);
        if (_signalling is not null) _buckets = new GradientBuckets(network, collectives, _buffer, bucketBytes);
    }

    /// <summary>The gradient buckets, when the network signals its gradients; null for the single all-reduce after backward.</summary>
    internal GradientBuckets? Buckets => _buckets;

    /// <summary>Runs backward; with buckets, their all-reduces start as the gradients become final.</summary>
    public void Backward(INetwork network, int count)
    {
        if (_buckets is null)
        {
            network.Backward(count);
            return;
        }
        IGradientListener? previous = _signalling!.Listener;
        _signalling.Listener = _buckets;
        try
        {
            _buckets.Begin(count);
            network.Backward(count);
        }
        finally
        {
            _signalling.Listener = previous;
        }
    }

    public ICollectives Collectives => _collectives;

    /// <summary>
    /// Whether the network's backward pass itself communicates (synchronized batch norm all-reduces in
    /// it), so that a rank may skip it only when every rank does: see <see cref="AllFinite"/>.
    /// </summary>
    public bool BackwardIsCollective { get; }

    /// <summary>Whether the loss is finite on every rank: one all-reduce of one float, the same answer everywhere.</summary>
    public bool AllFinite(float loss)
    {
        Span<float> notFinite = [float.IsFinite(loss) ? 0 : 1];
        _collectives.AllReduce(notFinite, ReduceOp.Sum);
        return notFinite[0] == 0;
    }

    /// <summary>Copies rank 0's parameters and buffers (batch-norm statistics) to every rank.</summary>
    public void BroadcastState(INetwork network)
    {
        foreach (Tensor tensor in (ReadOnlySpan<Tensor>)[network.Parameters, network.Buffers])
        {
            if (tensor.Length == 0) continue;
            float[] values = new float[tensor.Length];
            network.Backend.Download(tensor, values);
            _collectives.Broadcast(values, root: 0);
            network.Backend.Upload(values, tensor);
        }
    }

    /// <summary>
    /// Averages the gradients over all ranks, weighted by their sample counts, into the network's
    /// gradient buffer, and returns the loss, correct count and sample count of all ranks together.
    /// A rank whose loss was not finite contributes no gradient and makes the returned loss NaN on
    /// every rank, so that every rank skips the update and stops alike.
    /// </summary>
    public (float Loss, int Correct, int Count) AllReduce(INetwork network, float loss, int correct, int count)
    {
        Span<float> gradients = _buffer.AsSpan(0, _gradients);
        bool finite = float.IsFinite(loss);
        if (_buckets is not null)
        {
            // Backward has started the buckets as their gradients became final; a rank that skipped it contributes zeros.
            if (finite) _buckets.Finish(count);
            else _buckets.StartZeros(count);
            _buckets.WaitAll();
        }
        else if (finite)
        {
            network.Backend.Download(network.Gradients, gradients);
            float scale = count;
            for (int i = 0; i < gradients.Length; i++) gradients[i] *= scale;
        }
        else
        {
            gradients.Clear();
        }
        Span<float> extra = _buffer.AsSpan(_gradients, Extra);
        extra[0] = finite ? loss * count : 0;
        extra[1] = finite ? correct : 0;
        extra[2] = count;
        extra[3] = finite ? 0 : 1;

        _collectives.AllReduce(_buckets is null ? _buffer : extra, ReduceOp.Sum);

        int total = (int)extra[2];
        if (extra[3] != 0) return (float.NaN, 0, total);
        float divisor = total;
        for (int i = 0; i < gradients.Length; i++) gradients[i] /= divisor;
        network.Backend.Upload(gradients, network.Gradients);
        return (extra[0] / total, (int)extra[1], total);
    }
}

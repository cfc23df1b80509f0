using Cnn.Distributed;

namespace Cnn.Training;

/// <summary>
/// The gradient buffer cut into buckets whose all-reduces start during backward (PyTorch DDP's reducer): whole
/// parameter tensors in reverse declaration order (backward's), a bucket closing when it reaches the cap, fixed at
/// the start of Fit so every rank has the same buckets. Each signal from a <see cref="GradientSignallingBackend"/>
/// marks its tensor final; a bucket whose tensors are all final (flags per tensor: branching networks finish them
/// out of order) is downloaded into its range of the host buffer, scaled by this rank's sample count and started.
/// Buckets start in index order on every rank, as MPI needs for collectives on one communicator: a bucket that is
/// ready before an earlier one waits for it. Every signal also tests the oldest pending reduction, which is what
/// progresses it (Open MPI has no progress thread).
/// </summary>
internal sealed class GradientBuckets : IGradientListener
{
    private readonly INetwork _network;
    private readonly ICollectives _collectives;
    private readonly float[] _buffer;
    private readonly Bucket[] _buckets;
    private readonly long[] _offsets;
    private readonly int[] _bucketOf;
    private readonly bool[] _final;
    private readonly int[] _waiting;
    private readonly IPendingReduction?[] _pending;
    private float _scale;
    private int _nextToStart;
    private int _oldestPending;
    private bool _begun;

    /// <summary>One bucket: its range of the gradient buffer and its parameters, <see cref="First"/> to <see cref="Last"/> in declaration order.</summary>
    public readonly record struct Bucket(int Start, int Length, int First, int Last);

    public GradientBuckets(INetwork network, ICollectives collectives, float[] buffer, long bucketBytes)
    {
        _network = network;
        _collectives = collectives;
        _buffer = buffer;
        IReadOnlyList<ParameterInfo> infos = network.ParameterInfos;
        _buckets = Assign(infos, network.Gradients.Length, bucketBytes);
        _offsets = infos.Select(p => p.Offset).ToArray();
        _bucketOf = new int[infos.Count];
        for (int b = 0; b < _buckets.Length; b++)
        {
            for (int p = _buckets[b].First; p <= _buckets[b].Last; p++) _bucketOf[p] = b;
        }
        _final = new bool[infos.Count];
        _waiting = new int[_buckets.Length];
        _pending = new IPendingReduction?[_buckets.Length];
    }

    public IReadOnlyList<Bucket> Buckets => _buckets;

    /// <summary>
    /// The buckets of a gradient buffer of <paramref name="gradientLength"/> floats holding <paramref name="infos"/>
    /// (in declaration order, ascending offsets): from the last parameter backwards, each bucket takes whole tensors
    /// (with the padding after them) until it holds <paramref name="bucketBytes"/> or more. Together the ranges
    /// cover the whole buffer, bucket 0 at its end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucketBytes"/> is not positive.</exception>
    public static Bucket[] Assign(IReadOnlyList<ParameterInfo> infos, int gradientLength, long bucketBytes)
    {
        if (bucketBytes <= 0) throw new ArgumentOutOfRangeException(nameof(FitOptions.GradientBucketBytes), bucketBytes, "The gradient bucket size must be positive.");
        for (int i = 1; i < infos.Count; i++)
        {
            if (infos[i].Offset <= infos[i - 1].Offset)
                throw new InvalidOperationException($"The parameters are not in ascending gradient-buffer order: '{infos[i].Name}' at {infos[i].Offset} follows '{infos[i - 1].Name}' at {infos[i - 1].Offset}.");
        }
        var buckets = new List<Bucket>();
        int end = gradientLength, last = infos.Count - 1;
        for (int i = infos.Count - 1; i >= 0; i--)
        {
            int start = i == 0 ? 0 : checked((int)infos[i].Offset);
            if ((long)(end - start) * sizeof(float) < bucketBytes && i > 0) continue;
            buckets.Add(new Bucket(start, end - start, i, last));
            end = start;
            last = i - 1;
        }
        return [.. buckets];
    }

    /// <summary>Before backward: no tensor is final but the frozen ones (which backward leaves alone); gradients will be scaled by <paramref name="count"/>.</summary>
    public void Begin(int count)
    {
        Reset(count);
        _begun = true;
        Span<bool> frozen = _network.FrozenParameters;
        for (int p = 0; p < _final.Length; p++)
        {
            _final[p] = frozen[p];
            if (!frozen[p]) _waiting[_bucketOf[p]]++;
        }
    }

    /// <summary>A parameter's gradient is final: mark it, start the buckets that can start, and progress the oldest pending one.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="gradient"/> is not one of the network's gradient tensors.</exception>
    public void Ready(Tensor gradient)
    {
        if (!ReferenceEquals(gradient.Buffer, _network.Gradients.Buffer)) return; // another network on the same backend
        int p = Array.BinarySearch(_offsets, gradient.Offset);
        if (p < 0 || _network.ParameterInfos[p].Length != gradient.Length)
            throw new InvalidOperationException($"A gradient {gradient} was signalled that is not a whole parameter's gradient of {_network.ArchitectureName}.");
        if (!_final[p])
        {
            _final[p] = true;
            _waiting[_bucketOf[p]]--;
            StartReady();
        }
        if (_oldestPending < _nextToStart && _pending[_oldestPending]!.Test()) _oldestPending++;
    }

    /// <summary>
    /// After backward: starts every bucket not started yet (a parameter no operator signalled is final now too). Without
    /// a backward this step (the ranks agreed to skip it: another rank's loss was not finite), starts them all, as
    /// <see cref="StartZeros"/> does on that rank.
    /// </summary>
    public void Finish(int count)
    {
        if (!_begun) Reset(count);
        Array.Clear(_waiting);
        StartReady();
    }

    /// <summary>
    /// For a rank whose loss was not finite and that skipped backward: contributes zeros, starting every bucket in
    /// order as the other ranks do, so that no rank waits for it.
    /// </summary>
    public void StartZeros(int count)
    {
        Reset(count);
        foreach (Bucket bucket in _buckets)
        {
            _buffer.AsSpan(bucket.Start, bucket.Length).Clear();
            _pending[_nextToStart++] = _collectives.StartAllReduce(_buffer, bucket.Start, bucket.Length);
        }
    }

    /// <summary>Waits for every bucket's reduction (after <see cref="Finish"/> or <see cref="StartZeros"/>).</summary>
    public void WaitAll()
    {
        for (int b = _oldestPending; b < _pending.Length; b++) _pending[b]!.Wait();
        Array.Clear(_pending);
        _oldestPending = _pending.Length;
        _begun = false;
    }

    private void Reset(int count)
    {
        _scale = count;
        _nextToStart = 0;
        _oldestPending = 0;
        Array.Clear(_waiting);
    }

    private void StartReady()
    {
        while (_nextToStart < _buckets.Length && _waiting[_nextToStart] == 0)
        {
            Bucket bucket = _buckets[_nextToStart];
            Span<float> range = _buffer.AsSpan(bucket.Start, bucket.Length);
            _network.Backend.Download(_network.Gradients.Slice(bucket.Start, bucket.Length), range);
            float scale = _scale;
            for (int i = 0; i < range.Length; i++) range[i] *= scale;
            _pending[_nextToStart] = _collectives.StartAllReduce(_buffer, bucket.Start, bucket.Length);
            _nextToStart++;
        }
    }
}

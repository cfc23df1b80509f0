namespace Cnn.Data;

/// <summary>
/// Iterates an <see cref="ImageDataset"/> in mini-batches, optionally in a seeded random order per
/// epoch, normalising samples while copying them into caller-owned buffers. After construction it
/// allocates nothing, so a training loop can reuse one pinned or device-staging buffer per batch.
/// </summary>
/// <example>
/// <code>
/// var loader = new BatchLoader(train, batchSize: 64, Normalization.FashionMnist, shuffle: true, seed: 42);
/// var images = new float[loader.ImagesLength];
/// var labels = new float[loader.BatchSize];
/// for (int epoch = 0; epoch &lt; 10; epoch++)
/// {
///     loader.StartEpoch(epoch);
///     while (loader.TryNext(images, labels, out int count)) { /* train on count samples */ }
/// }
/// </code>
/// </example>
/// <remarks>
/// Epoch <c>e</c>'s order is a Fisher–Yates shuffle of 0…N−1 driven by <see cref="SeededRandom"/>
/// on a stream derived from (seed, e) alone, so it is the same on every runtime, does not depend on
/// which epochs ran before (a resumed run sees the same orders), and differs between seeds.
/// </remarks>
public sealed class BatchLoader : IBatchSource
{
    /// <summary>Mixed into the seed so that data order never shares a stream with initialisation or dropout drawn from the same seed.</summary>
    private const ulong ShuffleDomain = 0x5348_5546_464C_4531; // "SHUFFLE1"

    private readonly int[] _order;
    private int _next;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The samples to iterate.</param>
    /// <param name="batchSize">Samples per batch; the last batch of an epoch may be smaller unless <paramref name="dropLast"/>.</param>
    /// <param name="normalization">Applied per channel while copying; null copies values unchanged.</param>
    /// <param name="shuffle">Visit samples in a seeded random order each epoch; otherwise in storage order.</param>
    /// <param name="seed">The seed of the shuffle.</param>
    /// <param name="dropLast">Skip the last batch of an epoch when it would be smaller than <paramref name="batchSize"/>.</param>
    /// <param name="shard">Which of <paramref name="shards"/> interleaved parts of every epoch's order to visit (data-parallel training: the rank).</param>
    /// <param name="shards">
    /// The number of parts (the world size): shard <c>s</c> visits positions <c>s</c>, <c>s + shards</c>, … of the
    /// epoch's order, ⌊N / shards⌋ samples, so that every shard has as many batches and the first batch of all
    /// shards together is the first batch of <c>batchSize × shards</c> of the unsharded order.
    /// </param>
    /// <exception cref="ArgumentException">The batch size is not positive, or the normalization's channels do not match the samples.</exception>
    public BatchLoader(ImageDataset dataset, int batchSize, Normalization? normalization = null, bool shuffle = false, ulong seed = 0, bool dropLast = false,
        int shard = 0, int shards = 1)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (normalization is not null && normalization.ChannelCount != dataset.SampleShape.Channels)
            throw new ArgumentException(
                $"The normalization has {normalization.ChannelCount} channel(s) but the data set's samples {dataset.SampleShape} have {dataset.SampleShape.Channels}.",
                nameof(normalization));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        if (shard < 0 || shard >= shards) throw new ArgumentOutOfRangeException(nameof(shard), shard, $"The shard must be 0 to {shards - 1}.");
        if ((long)batchSize * dataset.SampleSize > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"A batch of {batchSize} samples of {dataset.SampleShape} does not fit in one array.");

        Dataset = dataset;
        BatchSize = batchSize;
        Normalization = normalization;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Shard = shard;
        Shards = shards;
        _order = new int[dataset.Count];
        int visible = dataset.Count / shards;
        SamplesPerEpoch = dropLast ? visible / batchSize * batchSize : visible;
        BatchesPerEpoch = dropLast ? visible / batchSize : (visible + batchSize - 1) / batchSize;
        Epoch = -1;
    }

    /// <summary>The data set being iterated.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>The number of samples in a full batch.</summary>
    public int BatchSize { get; }

    /// <summary>The shape of one sample: the data set's.</summary>
    public TensorShape SampleShape => Dataset.SampleShape;

    /// <summary>The normalization applied while copying, or null.</summary>
    public Normalization? Normalization { get; }

    /// <summary>Whether each epoch visits the samples in a seeded random order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the shuffle.</summary>
    public ulong Seed { get; }

    /// <summary>Whether a smaller last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Which of the <see cref="Shards"/> interleaved parts of every epoch this loader visits.</summary>
    public int Shard { get; }

    /// <summary>The number of interleaved parts every epoch's order is split into (1: all of it).</summary>
    public int Shards { get; }

    /// <summary>The number of batches <see cref="TryNext"/> returns per epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The number of samples visited per epoch (fewer than the data set's with <see cref="DropLast"/>).</summary>
    public int SamplesPerEpoch { get; }

    /// <summary>The length the images span passed to <see cref="TryNext"/> needs: <see cref="BatchSize"/> × sample size.</summary>
    public int ImagesLength => BatchSize * Dataset.SampleSize;

    /// <summary>The current epoch, or −1 before the first <see cref="StartEpoch"/>.</summary>
    public int Epoch { get; private set; }

    /// <summary>The order in which the current epoch visits the samples (indices into <see cref="Dataset"/>).</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>
    /// Starts epoch <paramref name="epoch"/>: computes its order and rewinds to its first batch.
    /// Calling it again with the same epoch restarts the same order.
    /// </summary>
    public void StartEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        for (int i = 0; i < _order.Length; i++)
            _order[i] = i;
        if (Shuffle)
        {
            var random = SeededRandom.ForStream(Seed ^ ShuffleDomain, (ulong)epoch);
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = random.NextInt(i + 1);
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
        }
        Epoch = epoch;
        _next = 0;
    }

    /// <summary>
    /// Copies the next batch of the epoch: the samples, normalised, into the start of
    /// <paramref name="images"/> and their class indices, as floats, into the start of
    /// <paramref name="labels"/>. Entries past <paramref name="count"/> are left as they were.
    /// </summary>
    /// <param name="images">At least <see cref="ImagesLength"/> values.</param>
    /// <param name="labels">At least <see cref="BatchSize"/> values.</param>
    /// <param name="count">The number of samples copied: <see cref="BatchSize"/>, or fewer for the last batch.</param>
    /// <returns>False, with <paramref name="count"/> 0, when the epoch has no more batches.</returns>
    /// <exception cref="InvalidOperationException">No epoch has been started.</exception>
    /// <exception cref="ArgumentException">A span is too short for a full batch.</exception>
    public bool TryNext(Span<float> images, Span<float> labels, out int count)
    {
        if (Epoch < 0)
            throw new InvalidOperationException("Call StartEpoch(epoch) before TryNext.");
        int sampleSize = Dataset.SampleSize;
        if (images.Length < ImagesLength)
            throw new ArgumentException($"The images span holds {images.Length} values; a batch of {BatchSize} samples of {Dataset.SampleShape} needs {ImagesLength}.", nameof(images));
        if (labels.Length < BatchSize)
            throw new ArgumentException($"The labels span holds {labels.Length} values; a batch needs {BatchSize}.", nameof(labels));

        count = Math.Min(BatchSize, SamplesPerEpoch - _next);
        if (count <= 0)
        {
            count = 0;
            return false;
        }

        ReadOnlySpan<float> pixels = Dataset.Pixels.Span;
        ReadOnlySpan<int> sourceLabels = Dataset.Labels.Span;
        for (int b = 0; b < count; b++)
        {
            int index = _order[(_next + b) * Shards + Shard];
            ReadOnlySpan<float> sample = pixels.Slice(index * sampleSize, sampleSize);
            Span<float> destination = images.Slice(b * sampleSize, sampleSize);
            if (Normalization is null)
                sample.CopyTo(destination);
            else
                Normalization.Apply(sample, destination, Dataset.SampleShape);
            labels[b] = sourceLabels[index];
        }
        _next += count;
        return true;
    }
}

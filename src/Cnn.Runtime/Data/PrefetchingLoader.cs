using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Cnn.Data.Transforms;

namespace Cnn.Data;

/// <summary>
/// Mini-batches from an <see cref="IImageSource"/>, decoded and augmented on background worker
/// threads into a bounded queue of batches, so that the training step finds the next batch ready
/// whenever the workers keep up. The output depends only on the seed, never on the number of workers
/// or on timing.
/// </summary>
/// <example>
/// <code>
/// var train = new ImageFolderDataset("food-101/train", SkiaImageDecoder.Shared);
/// var augment = new Compose(new RandomResizedCrop(224, 224), new RandomHorizontalFlip(), new Normalize(imageNet));
/// using var loader = new PrefetchingLoader(train, batchSize: 64, augment, shuffle: true, seed: 42, workers: 4);
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
/// <para>Determinism: the epoch's order is <see cref="BatchLoader"/>'s seeded shuffle; sample
/// <c>i</c> of epoch <c>e</c> is transformed with a generator on a stream derived from
/// (seed, e, i) alone; and batches are handed out in order, each assembled by one worker. So
/// 1, 2 or 16 workers give identical batches, and a resumed run sees the same augmentations.</para>
/// <para>Threads: <see cref="StartEpoch"/> starts the workers; each claims the next batch number,
/// fills a buffer of its own, and waits while <c>prefetchBatches</c> batches are already waiting.
/// <see cref="TryNext"/> copies the next batch in order into the caller's buffers. An exception on a
/// worker (e.g. an <see cref="ImageDecodeException"/>) is rethrown by <see cref="TryNext"/> at the
/// batch it belongs to. <see cref="Dispose"/> (and the next <see cref="StartEpoch"/>) stop the
/// workers and wait for them to exit; a worker inside a decode finishes that image first.</para>
/// <para>Skipped samples: a sample the source skips (<see cref="IImageSource.Load"/> returns null)
/// is left out of its batch, which is then smaller.</para>
/// </remarks>
public sealed class PrefetchingLoader : IBatchSource, IDisposable
{
    /// <summary>Keeps augmentation streams apart from shuffling and initialisation streams of the same seed.</summary>
    private const ulong AugmentDomain = 0x4155_474D_454E_5431; // "AUGMENT1"

    private readonly int[] _order;
    private readonly Slot[] _slots;
    private readonly object _gate = new();
    private Thread[] _threads = [];
    private CancellationTokenSource? _cancel;
    private SemaphoreSlim? _free;
    private int _nextClaim;
    private int _nextConsume;
    private long _waitedTicks;
    private int _waitedBatches;
    private bool _disposed;

    /// <summary>Creates a loader over <paramref name="source"/>; no thread runs until <see cref="StartEpoch"/>.</summary>
    /// <param name="source">The samples, e.g. an <see cref="ImageFolderDataset"/> or an <see cref="ImageDatasetSource"/>.</param>
    /// <param name="batchSize">Samples per batch; the last batch of an epoch may be smaller unless <paramref name="dropLast"/>.</param>
    /// <param name="transform">Preprocessing and augmentation applied to each sample, e.g. a <see cref="Compose"/>; null passes samples as decoded.</param>
    /// <param name="shuffle">Visit samples in a seeded random order each epoch; otherwise in storage order.</param>
    /// <param name="seed">The seed of the shuffle and of the augmentations.</param>
    /// <param name="dropLast">Skip the last batch of an epoch when it would be smaller than <paramref name="batchSize"/>.</param>
    /// <param name="workers">Background threads that decode and transform, at least 1.</param>
    /// <param name="prefetchBatches">Finished batches that may wait in the queue; 0 takes 2 × <paramref name="workers"/>.</param>
    /// <param name="sampleShape">
    /// The shape every transformed sample must have; null finds it by loading and transforming the
    /// first sample that can be decoded.
    /// </param>
    /// <exception cref="ArgumentException">A count is out of range, or the source is empty.</exception>
    /// <exception cref="InvalidDataException">No sample could be loaded to find the sample shape.</exception>
    public PrefetchingLoader(IImageSource source, int batchSize, IImageTransform? transform = null, bool shuffle = false, ulong seed = 0,
        bool dropLast = false, int workers = 2, int prefetchBatches = 0, TensorShape? sampleShape = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        ArgumentOutOfRangeException.ThrowIfNegative(prefetchBatches);
        if (source.Count == 0)
            throw new ArgumentException("The source has no samples.", nameof(source));

        Source = source;
        Transform = transform;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Workers = workers;
        SampleShape = sampleShape ?? FindSampleShape();
        if (SampleShape.IsFlat || SampleShape.Size <= 0)
            throw new ArgumentException($"The sample shape {SampleShape} is not an image shape.", nameof(sampleShape));
        if ((long)batchSize * SampleShape.Size > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batchSize), $"A batch of {batchSize} samples of {SampleShape} does not fit in one array.");

        SamplesPerEpoch = dropLast ? source.Count / batchSize * batchSize : source.Count;
        BatchesPerEpoch = dropLast ? source.Count / batchSize : (source.Count + batchSize - 1) / batchSize;
        _order = new int[source.Count];
        _slots = new Slot[prefetchBatches == 0 ? 2 * workers : prefetchBatches];
        for (int i = 0; i < _slots.Length; i++)
            _slots[i] = new Slot(batchSize * SampleShape.Size, batchSize);
        Epoch = -1;
    }

    /// <summary>The samples being loaded.</summary>
    public IImageSource Source { get; }

    /// <summary>The per-sample transform, or null.</summary>
    public IImageTransform? Transform { get; }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <inheritdoc/>
    public TensorShape SampleShape { get; }

    /// <summary>Whether each epoch visits the samples in a seeded random order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the shuffle and of the augmentations.</summary>
    public ulong Seed { get; }

    /// <summary>Whether a smaller last batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>The number of worker threads per epoch.</summary>
    public int Workers { get; }

    /// <summary>The number of finished batches that may wait in the queue.</summary>
    public int PrefetchBatches => _slots.Length;

    /// <inheritdoc/>
    public int BatchesPerEpoch { get; }

    /// <summary>The number of samples an epoch visits (fewer come out if the source skips some).</summary>
    public int SamplesPerEpoch { get; }

    /// <inheritdoc/>
    public int ImagesLength => BatchSize * SampleShape.Size;

    /// <summary>The current epoch, or −1 before the first <see cref="StartEpoch"/>.</summary>
    public int Epoch { get; private set; }

    /// <summary>The order in which the current epoch visits the samples (indices into <see cref="Source"/>).</summary>
    public ReadOnlySpan<int> Order => _order;

    /// <summary>
    /// How long <see cref="TryNext"/> has waited, in all, for batches that were not ready yet, and for
    /// how many. When the workers keep up with training, this is about the first batch of each epoch
    /// (the workers start with the epoch) and nothing more.
    /// </summary>
    public (TimeSpan Time, int Batches) Waited => (Stopwatch.GetElapsedTime(0, _waitedTicks), _waitedBatches);

    /// <summary>Worker threads still alive; 0 after <see cref="Dispose"/> returns.</summary>
    internal int AliveWorkerCount => _threads.Count(thread => thread.IsAlive);

    /// <summary>
    /// Starts epoch <paramref name="epoch"/>: stops the previous epoch's workers, computes the order and
    /// starts the workers on the first batches. Calling it again with the same epoch restarts the same batches.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The loader has been disposed.</exception>
    public void StartEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        StopWorkers();
        EpochOrder.Fill(_order, Shuffle, Seed, epoch);
        Epoch = epoch;
        _nextClaim = 0;
        _nextConsume = 0;
        foreach (Slot slot in _slots)
            slot.Reset();
        _cancel = new CancellationTokenSource();
        _free = new SemaphoreSlim(_slots.Length, _slots.Length);
        var threads = new Thread[Math.Min(Workers, Math.Max(1, BatchesPerEpoch))];
        for (int w = 0; w < threads.Length; w++)
        {
            CancellationToken token = _cancel.Token;
            SemaphoreSlim free = _free;
            threads[w] = new Thread(() => Work(epoch, free, token)) { IsBackground = true, Name = $"Cnn loader {w}" };
        }
        _threads = threads;
        foreach (Thread thread in threads)
            thread.Start();
    }

    /// <summary>
    /// Copies the next batch of the epoch, in order, into the start of <paramref name="images"/> and
    /// its class indices, as floats, into the start of <paramref name="labels"/>, waiting for a worker
    /// if it is not ready yet. Entries past <paramref name="count"/> are left as they were.
    /// </summary>
    /// <param name="images">At least <see cref="ImagesLength"/> values.</param>
    /// <param name="labels">At least <see cref="BatchSize"/> values.</param>
    /// <param name="count">The number of samples copied.</param>
    /// <returns>False, with <paramref name="count"/> 0, when the epoch has no more batches.</returns>
    /// <exception cref="InvalidOperationException">No epoch has been started.</exception>
    /// <exception cref="ArgumentException">A span is too short for a full batch.</exception>
    /// <exception cref="ImageDecodeException">A sample of this batch could not be decoded and the source fails on bad images.</exception>
    /// <exception cref="InvalidDataException">A transformed sample does not have <see cref="SampleShape"/>.</exception>
    public bool TryNext(Span<float> images, Span<float> labels, out int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Epoch < 0)
            throw new InvalidOperationException("Call StartEpoch(epoch) before TryNext.");
        if (images.Length < ImagesLength)
            throw new ArgumentException($"The images span holds {images.Length} values; a batch of {BatchSize} samples of {SampleShape} needs {ImagesLength}.", nameof(images));
        if (labels.Length < BatchSize)
            throw new ArgumentException($"The labels span holds {labels.Length} values; a batch needs {BatchSize}.", nameof(labels));

        count = 0;
        if (_nextConsume >= BatchesPerEpoch)
            return false;

        Slot slot = _slots[_nextConsume % _slots.Length];
        lock (_gate)
        {
            if (!slot.Ready)
            {
                long start = Stopwatch.GetTimestamp();
                while (!slot.Ready)
                    Monitor.Wait(_gate);
                _waitedTicks += Stopwatch.GetTimestamp() - start;
                _waitedBatches++;
            }
        }

        Exception? error = slot.Error;
        if (error is null)
        {
            count = slot.Count;
            slot.Images.AsSpan(0, count * SampleShape.Size).CopyTo(images);
            slot.Labels.AsSpan(0, count).CopyTo(labels);
        }
        lock (_gate)
            slot.Reset();
        _nextConsume++;
        _free!.Release();
        if (error is not null)
            ExceptionDispatchInfo.Throw(error);
        return true;
    }

    /// <summary>Stops the workers and waits for them to exit.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        StopWorkers();
    }

    private void StopWorkers()
    {
        if (_cancel is null)
            return;
        _cancel.Cancel();
        foreach (Thread thread in _threads)
            thread.Join();
        _cancel.Dispose();
        _free!.Dispose();
        _cancel = null;
        _free = null;
    }

    private void Work(int epoch, SemaphoreSlim free, CancellationToken token)
    {
        try
        {
            while (true)
            {
                free.Wait(token);
                int batch = Interlocked.Increment(ref _nextClaim) - 1;
                if (batch >= BatchesPerEpoch)
                {
                    free.Release(); // lets any other waiting worker see the end too
                    return;
                }
                Slot slot = _slots[batch % _slots.Length];
                try
                {
                    Fill(slot, batch, epoch, token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    slot.Error = e;
                }
                lock (_gate)
                {
                    slot.Ready = true;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped by StopWorkers.
        }
    }

    private void Fill(Slot slot, int batch, int epoch, CancellationToken token)
    {
        int size = SampleShape.Size;
        int start = batch * BatchSize, end = Math.Min(start + BatchSize, SamplesPerEpoch);
        int count = 0;
        for (int position = start; position < end; position++)
        {
            token.ThrowIfCancellationRequested();
            int index = _order[position];
            ImageTensor? image = LoadTransformed(index, epoch);
            if (image is null)
                continue;
            image.Data.CopyTo(slot.Images.AsSpan(count * size, size));
            slot.Labels[count] = Source.GetLabel(index);
            count++;
        }
        slot.Count = count;
    }

    private ImageTensor? LoadTransformed(int index, int epoch)
    {
        ImageTensor? image = Source.Load(index);
        if (image is null)
            return null;
        if (Transform is not null)
        {
            var random = SeededRandom.ForStream(Seed ^ AugmentDomain, ((ulong)(uint)epoch << 32) | (uint)index);
            image = Transform.Apply(image, ref random);
        }
        if (SampleShape != default && image.Shape != SampleShape)
        {
            throw new InvalidDataException(
                $"{Source.Describe(index)} is {image.Shape} after the transforms, but every sample in a batch must be {SampleShape}; " +
                "end the transforms with a fixed-size step such as Resize(h, w), CenterCrop or RandomResizedCrop.");
        }
        return image;
    }

    private TensorShape FindSampleShape()
    {
        for (int index = 0; index < Source.Count; index++)
        {
            if (LoadTransformed(index, epoch: 0) is { } image)
                return image.Shape;
        }
        throw new InvalidDataException($"None of the source's {Source.Count} samples could be loaded, so the sample shape is unknown.");
    }

    /// <summary>One batch buffer of the queue; a worker owns it between claiming it and setting <see cref="Ready"/>.</summary>
    private sealed class Slot(int imagesLength, int batchSize)
    {
        public readonly float[] Images = new float[imagesLength];
        public readonly float[] Labels = new float[batchSize];
        public int Count;
        public Exception? Error;
        public bool Ready;

        public void Reset()
        {
            Count = 0;
            Error = null;
            Ready = false;
        }
    }
}

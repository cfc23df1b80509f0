namespace ServeSample;

/// <summary>How the service batches, queues and limits requests; read from configuration by <see cref="ServeApp"/>.</summary>
public sealed record ServeOptions
{
    /// <summary>
    /// Network instances, each driven by one worker that runs one batch at a time. Instances share
    /// the weights' values but not their memory, so each costs its parameters and activations.
    /// </summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>The most requests a worker runs through its network in one forward pass.</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>
    /// How long a worker that has one request waits for more before it runs the batch. Zero (the
    /// default) runs at once with whatever is queued: under load requests queue while the workers
    /// are busy, so batches form anyway, and a lone request pays no wait.
    /// </summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Requests waiting for a worker; beyond this the service answers 503 rather than queue without bound.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>The largest request body accepted, in bytes; larger uploads get 413.</summary>
    public long MaxUploadBytes { get; init; } = 1 << 20;

    /// <summary>How many classes a prediction lists when the request does not say (<c>?top=</c>).</summary>
    public int DefaultTop { get; init; } = 5;

    /// <exception cref="ArgumentOutOfRangeException">A setting is out of its range; the message names it.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Workers, 1, nameof(Workers));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchDelay, TimeSpan.Zero, nameof(MaxBatchDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUploadBytes, 1, nameof(MaxUploadBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultTop, 1, nameof(DefaultTop));
    }
}

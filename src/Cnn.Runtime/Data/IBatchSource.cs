namespace Cnn.Data;

/// <summary>
/// Mini-batches for a training or evaluation loop, copied into caller-owned buffers: the images as
/// N×C×H×W floats and the class indices as floats. <see cref="BatchLoader"/> (in memory, on the
/// calling thread) and <see cref="PrefetchingLoader"/> (decoded and augmented on workers) implement it.
/// </summary>
public interface IBatchSource
{
    /// <summary>The number of samples in a full batch.</summary>
    int BatchSize { get; }

    /// <summary>The shape of one sample in a batch.</summary>
    TensorShape SampleShape { get; }

    /// <summary>The length the images span passed to <see cref="TryNext"/> needs: <see cref="BatchSize"/> × sample size.</summary>
    int ImagesLength { get; }

    /// <summary>The number of batches <see cref="TryNext"/> returns per epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>Starts epoch <paramref name="epoch"/> (0-based) and rewinds to its first batch.</summary>
    void StartEpoch(int epoch);

    /// <summary>
    /// Copies the next batch of the epoch into the start of <paramref name="images"/> and
    /// <paramref name="labels"/>; false, with <paramref name="count"/> 0, at the end of the epoch.
    /// </summary>
    bool TryNext(Span<float> images, Span<float> labels, out int count);
}

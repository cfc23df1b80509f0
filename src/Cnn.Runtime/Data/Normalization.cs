using System.Globalization;
using System.Numerics;

namespace Cnn.Data;

/// <summary>
/// Per-channel normalisation <c>(x − mean) / std</c>, as torchvision's <c>Normalize</c>. Applied by
/// <see cref="BatchLoader"/> while it copies samples into a batch.
/// </summary>
public sealed record Normalization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a normalisation with one mean and one standard deviation per channel.</summary>
    /// <exception cref="ArgumentException">The lists are empty or differ in length, or a std is not positive and finite.</exception>
    public Normalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
            throw new ArgumentException($"Normalization needs one mean and one std per channel; got {mean.Count} means and {std.Count} stds.", nameof(std));
        _mean = [.. mean];
        _std = [.. std];
        for (int c = 0; c < _std.Length; c++)
        {
            if (!(_std[c] > 0) || float.IsInfinity(_std[c]))
                throw new ArgumentException($"The std of channel {c} is {_std[c]}; it must be positive and finite.", nameof(std));
            if (!float.IsFinite(_mean[c]))
                throw new ArgumentException($"The mean of channel {c} is {_mean[c]}; it must be finite.", nameof(mean));
        }
        Mean = Array.AsReadOnly(_mean);
        Std = Array.AsReadOnly(_std);
    }

    /// <summary>Fashion-MNIST's training-set statistics: mean 0.2860, std 0.3530 (pixels scaled to [0, 1]).</summary>
    public static Normalization FashionMnist { get; } = new([0.2860f], [0.3530f]);

    /// <summary>MNIST's training-set statistics: mean 0.1307, std 0.3081 (pixels scaled to [0, 1]).</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>The mean of each channel.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>The standard deviation of each channel.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>The number of channels.</summary>
    public int ChannelCount => _mean.Length;

    /// <summary>
    /// Writes the normalised <paramref name="source"/>, one sample of <paramref name="shape"/>
    /// (channel-major), into <paramref name="destination"/>. A flat shape treats each feature as a channel.
    /// </summary>
    /// <exception cref="ArgumentException">The channel count or the span lengths do not match <paramref name="shape"/>.</exception>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, TensorShape shape)
    {
        if (shape.Channels != _mean.Length)
            throw new ArgumentException($"This normalization has {_mean.Length} channel(s) but samples of shape {shape} have {shape.Channels}.", nameof(shape));
        int size = shape.Size;
        if (source.Length != size || destination.Length < size)
            throw new ArgumentException($"A sample of shape {shape} has {size} values; got a source of {source.Length} and a destination of {destination.Length}.", nameof(source));

        int plane = shape.IsFlat ? 1 : shape.Height * shape.Width;
        for (int c = 0; c < _mean.Length; c++)
            ApplyPlane(source.Slice(c * plane, plane), destination.Slice(c * plane, plane), _mean[c], _std[c]);
    }

    private static void ApplyPlane(ReadOnlySpan<float> source, Span<float> destination, float mean, float std)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && source.Length >= Vector<float>.Count)
        {
            var m = new Vector<float>(mean);
            var s = new Vector<float>(std);
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
                ((new Vector<float>(source[i..]) - m) / s).CopyTo(destination[i..]);
        }
        for (; i < source.Length; i++)
            destination[i] = (source[i] - mean) / std;
    }

    /// <summary>Equal when every mean and std is equal.</summary>
    public bool Equals(Normalization? other) =>
        other is not null && _mean.AsSpan().SequenceEqual(other._mean) && _std.AsSpan().SequenceEqual(other._std);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (float m in _mean) hash.Add(m);
        foreach (float s in _std) hash.Add(s);
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Normalization(mean [{Join(_mean)}], std [{Join(_std)}])";

    private static string Join(float[] values) =>
        string.Join(", ", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
}

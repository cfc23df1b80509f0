namespace Cnn.Distributed;

/// <summary>
/// Told by <see cref="GradientSignallingBackend"/> when a parameter's gradient is final during backward, so that
/// its all-reduce can start while backward goes on.
/// </summary>
public interface IGradientListener
{
    /// <summary>
    /// <paramref name="gradient"/>, a slice of the network's gradient buffer (its <see cref="Tensor.Offset"/> and
    /// <see cref="Tensor.Length"/> say which range), will not change again in this backward pass.
    /// </summary>
    void Ready(Tensor gradient);
}

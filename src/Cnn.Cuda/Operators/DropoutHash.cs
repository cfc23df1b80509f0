namespace Cnn.Cuda.Operators;

/// <summary>
/// The CUDA dropout's random numbers on the host, the same function as cnn_dropout_uniform in
/// KernelSource: element <c>index</c> of a SplitMix64 sequence whose start is mixed from the layer's
/// seed and the call number. Tests compare downloaded masks with it.
/// </summary>
internal static class DropoutHash
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits.</summary>
    public static float Uniform(ulong seed, ulong call, ulong index)
    {
        ulong stream = Mix(seed + Golden * (call + 1));
        return (Mix(stream + Golden * (index + 1)) >> 40) * (1.0f / 16777216.0f);
    }

    /// <summary>The mask value of element <paramref name="index"/>: 0 with probability p, else 1/(1−p).</summary>
    public static float Mask(float probability, ulong seed, ulong call, ulong index)
    {
        float scale = probability < 1f ? 1f / (1f - probability) : 0f;
        return Uniform(seed, call, index) < probability ? 0f : scale;
    }
}

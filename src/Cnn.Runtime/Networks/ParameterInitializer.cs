namespace Cnn;

/// <summary>
/// PyTorch's default initialisation for each layer type, made deterministic: parameter i draws from
/// its own stream of <c>seed</c>, so adding a layer does not change the others' values.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>
    /// Values filled and uploaded at a time: a parameter's stream is drawn in order across chunks, so
    /// the values are those of one pass, without a host copy of the largest parameter (VGG-16's
    /// 103M-value classifier weight would be a 392 MiB temporary that stays resident).
    /// </summary>
    private const int ChunkLength = 1 << 20;

    /// <summary>Fills every parameter and resets every buffer (running means to 0, running variances to 1).</summary>
    public static void Initialize(INetwork network, ulong seed)
    {
        int largest = 0;
        foreach (ParameterInfo p in network.ParameterInfos.Concat(network.BufferInfos)) largest = Math.Max(largest, p.Length);
        float[] values = new float[Math.Min(largest, ChunkLength)];
        Fill(network, network.ParameterInfos, network.Parameters, seed, values);
        Fill(network, network.BufferInfos, network.Buffers, seed, values);
    }

    private static void Fill(INetwork network, IReadOnlyList<ParameterInfo> infos, Tensor destination, ulong seed, float[] values)
    {
        for (int i = 0; i < infos.Count; i++)
        {
            ParameterInfo p = infos[i];
            SeededRandom random = SeededRandom.ForStream(seed, (ulong)i);
            for (int start = 0; start < p.Length; start += values.Length)
            {
                Span<float> span = values.AsSpan(0, Math.Min(values.Length, p.Length - start));
                Fill(span, p, ref random);
                network.Backend.Upload(span, destination.Slice(checked((int)p.Offset + start), span.Length));
            }
        }
    }

    /// <summary>Fills <paramref name="values"/> as PyTorch's reset_parameters would for <paramref name="parameter"/>.</summary>
    public static void Fill(Span<float> values, ParameterInfo parameter, SeededRandom random) => Fill(values, parameter, ref random);

    /// <summary>As <see cref="Fill(Span{float}, ParameterInfo, SeededRandom)"/>, advancing <paramref name="random"/> so that a next call continues its stream.</summary>
    private static void Fill(Span<float> values, ParameterInfo parameter, ref SeededRandom random)
    {
        switch (parameter.Init)
        {
            case ParameterInit.UniformFanIn:
                // kaiming_uniform_(a=√5) gives bound = gain·√(3/fan_in) with gain = √(2/(1+5)), i.e. 1/√fan_in;
                // the bias uses the same bound.
                double bound = 1.0 / Math.Sqrt(parameter.FanIn);
                for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
                break;
            case ParameterInit.Zeros:
                values.Clear();
                break;
            case ParameterInit.Ones:
                values.Fill(1f);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(parameter), parameter.Init, $"Unknown initialiser for '{parameter.Name}'.");
        }
    }
}

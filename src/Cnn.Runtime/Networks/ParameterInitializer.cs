namespace Cnn;

/// <summary>
/// PyTorch's default initialisation for each layer type, made deterministic: parameter i draws from
/// its own stream of <c>seed</c>, so adding a layer does not change the others' values.
/// </summary>
public static class ParameterInitializer
{
    public static void Initialize(INetwork network, ulong seed)
    {
        IReadOnlyList<ParameterInfo> parameters = network.ParameterInfos;
        int largest = 0;
        foreach (ParameterInfo p in parameters) largest = Math.Max(largest, p.Length);
        float[] values = new float[largest];
        for (int i = 0; i < parameters.Count; i++)
        {
            ParameterInfo p = parameters[i];
            Span<float> span = values.AsSpan(0, p.Length);
            Fill(span, p, SeededRandom.ForStream(seed, (ulong)i));
            network.Backend.Upload(span, network.Parameters.Slice(checked((int)p.Offset), p.Length));
        }
    }

    /// <summary>Fills <paramref name="values"/> as PyTorch's reset_parameters would for <paramref name="parameter"/>.</summary>
    public static void Fill(Span<float> values, ParameterInfo parameter, SeededRandom random)
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

using System.Globalization;

namespace Cnn;

/// <summary>
/// Checks that a network's parameters and buffers hold values a trained network can have: every
/// value finite, a running variance never negative, a batch count never negative. A step that
/// blew up leaves NaN or infinities behind; saving or loading them only spreads the damage.
/// </summary>
internal static class NetworkValues
{
    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        return -1;
    }

    /// <summary>One phrase per tensor of <paramref name="infos"/> whose values in <paramref name="values"/> (laid out at their offsets) are implausible.</summary>
    public static IEnumerable<string> Problems(IReadOnlyList<ParameterInfo> infos, float[] values)
    {
        foreach (ParameterInfo info in infos)
        {
            if (Problem(info, values.AsSpan((int)info.Offset, info.Length)) is string problem) yield return problem;
        }
    }

    /// <summary>The first implausible tensor of <paramref name="network"/>, as a phrase, or null when every value is plausible. Downloads them.</summary>
    public static string? FirstProblem(INetwork network)
    {
        float[] parameters = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, parameters);
        if (Problems(network.ParameterInfos, parameters).FirstOrDefault() is string problem) return problem;
        if (network.BufferInfos.Count == 0) return null;
        float[] buffers = new float[network.Buffers.Length];
        network.Backend.Download(network.Buffers, buffers);
        return Problems(network.BufferInfos, buffers).FirstOrDefault();
    }

    /// <summary>The name of the first tensor of <paramref name="network"/> with a NaN or infinity, or null. Downloads them.</summary>
    public static string? FirstNonFiniteTensor(INetwork network)
    {
        float[] parameters = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, parameters);
        foreach (ParameterInfo info in network.ParameterInfos)
        {
            if (IndexOfNonFinite(parameters.AsSpan((int)info.Offset, info.Length)) >= 0) return info.Name;
        }
        if (network.BufferInfos.Count == 0) return null;
        float[] buffers = new float[network.Buffers.Length];
        network.Backend.Download(network.Buffers, buffers);
        foreach (ParameterInfo info in network.BufferInfos)
        {
            if (IndexOfNonFinite(buffers.AsSpan((int)info.Offset, info.Length)) >= 0) return info.Name;
        }
        return null;
    }

    /// <summary>Why the values of one tensor are implausible, as a phrase that names it, or null.</summary>
    public static string? Problem(ParameterInfo info, ReadOnlySpan<float> values)
    {
        int index = IndexOfNonFinite(values);
        if (index >= 0) return string.Create(CultureInfo.InvariantCulture, $"'{info.Name}' holds {values[index]} at index {index}");
        if (info.Role is ParameterRole.RunningVariance or ParameterRole.BatchesTracked)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] < 0)
                {
                    string what = info.Role == ParameterRole.RunningVariance ? "a variance" : "a count";
                    return string.Create(CultureInfo.InvariantCulture, $"'{info.Name}' holds {values[i]} at index {i}, but {what} is never negative");
                }
            }
        }
        return null;
    }
}

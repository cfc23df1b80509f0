using System.Reflection;
using Cnn.Backends;

namespace Cnn.Onnx.Tests;

/// <summary>
/// Every network the tests export: the zoo (Cnn.Models), the samples' networks (FashionMnist and
/// every ImageFolder declaration) and this project's layer-kind networks, found by reflection so
/// that a network added later is exported too.
/// </summary>
internal static class ExportedNetworks
{
    private static readonly (string Group, Assembly Assembly)[] s_sources =
    [
        ("zoo", typeof(Cnn.Models.ResNet18).Assembly),
        ("sample", typeof(FashionMnist.Networks.MnistNet).Assembly),
        ("sample", typeof(ImageFolderSample.Networks.CatsVsDogs128Rgb2).Assembly),
        ("test", typeof(AllLayerKindsNet).Assembly),
    ];

    /// <summary>Each network's group ("zoo", "sample", "test") and full type name.</summary>
    public static IEnumerable<(string Group, Type Type)> All =>
        s_sources.SelectMany(source => source.Assembly.GetTypes()
                .Where(t => typeof(INetwork).IsAssignableFrom(t) && t.IsClass && !t.IsAbstract && t != typeof(UnequalAdaptivePoolNet))
                .Select(t => (source.Group, t)))
            .OrderBy(n => n.Group, StringComparer.Ordinal).ThenBy(n => n.t.FullName, StringComparer.Ordinal);

    public static Type Find(string fullName) => All.Single(n => n.Type.FullName == fullName).Type;

    /// <summary>Creates the network through its generated (maxBatchSize, backend, seed) constructor.</summary>
    public static INetwork Create(Type type, int maxBatchSize, ulong seed)
        => (INetwork)Activator.CreateInstance(type, maxBatchSize, (IBackend?)null, seed)!;

    /// <summary>
    /// Gives every batch norm layer non-trivial affine parameters and running statistics, so that
    /// its inference form is really exercised (fresh ones are the identity up to epsilon).
    /// </summary>
    public static void RandomizeBatchNorm(INetwork network, ulong seed)
    {
        var layers = network.Graph.Where(n => n.Kind.StartsWith("BatchNorm", StringComparison.Ordinal)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        if (layers.Count == 0) return;
        float[] parameters = Download(network, network.Parameters), buffers = Download(network, network.Buffers);
        ulong stream = seed;
        void Fill(float[] arena, ParameterInfo p, float low, float high)
            => RandomTestData.Uniform(p.Length, stream++, low, high).CopyTo(arena.AsSpan((int)p.Offset, p.Length));
        foreach (ParameterInfo p in network.ParameterInfos.Where(p => layers.Contains(p.Layer)))
            Fill(parameters, p, p.Role == ParameterRole.Weight ? 0.5f : -0.5f, p.Role == ParameterRole.Weight ? 1.5f : 0.5f);
        foreach (ParameterInfo b in network.BufferInfos)
        {
            if (b.Role == ParameterRole.RunningMean) Fill(buffers, b, -0.5f, 0.5f);
            else if (b.Role == ParameterRole.RunningVariance) Fill(buffers, b, 0.5f, 1.5f);
        }
        network.Backend.Upload(parameters, network.Parameters);
        network.Backend.Upload(buffers, network.Buffers);
    }

    /// <summary>Runs <paramref name="input"/> (batch × input size) through the network in evaluation mode; returns batch × output size.</summary>
    public static float[] Predict(INetwork network, float[] input, int batch)
    {
        network.Training = false;
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Forward(batch);
        var output = new float[batch * network.OutputSize];
        network.Backend.Download(network.Output.Slice(0, output.Length), output);
        return output;
    }

    private static float[] Download(INetwork network, Tensor tensor)
    {
        var values = new float[tensor.Length];
        network.Backend.Download(tensor, values);
        return values;
    }
}

using Cnn;

namespace ServeSample;

/// <summary>Registers a model file and the network class that serves it.</summary>
public static class CnnModelServiceCollectionExtensions
{
    /// <summary>
    /// Serves <paramref name="modelPath"/> with <typeparamref name="TNetwork"/>, a network class of
    /// yours: <see cref="ServeOptions.Workers"/> instances built by <paramref name="create"/> (given
    /// the batch size) and each loaded from the file. Then <see cref="InferenceEndpoints.MapCnnInference"/>
    /// maps the endpoints. For example:
    /// <code>
    /// builder.Services.AddCnnModel("fashion.safetensors", batch =&gt; new FashionNet(batch, backend: null, seed: 0, NetworkMode.Inference));
    /// </code>
    /// </summary>
    /// <remarks>A network instance is single-threaded, so the instances are never shared: see <see cref="InferenceBatcher"/>.</remarks>
    public static IServiceCollection AddCnnModel<TNetwork>(this IServiceCollection services, string modelPath, Func<int, TNetwork> create, ServeOptions? options = null)
        where TNetwork : INetwork
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentNullException.ThrowIfNull(create);
        options ??= new ServeOptions();
        options.Validate();
        services.AddSingleton(options);
        // Problem details (every 4xx/503 answer) through the source-generated context too, so that the
        // service also runs when published with NativeAOT, where reflection-based JSON is absent.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ServeJsonContext.Default));
        services.AddSingleton<ServeMetrics>();
        services.AddSingleton(provider => new InferenceBatcher(modelPath, batch => create(batch), options, provider.GetRequiredService<ServeMetrics>()));
        return services;
    }
}

using Cnn;
using Cnn.Models;
using FashionMnist.Networks;

namespace ServeSample;

/// <summary>
/// The network classes this sample can serve, by the architecture name that a model file records:
/// the ones the Fashion-MNIST sample trains and saves with <c>--save</c>. To serve your own, add a line
/// here, or call <see cref="CnnModelServiceCollectionExtensions.AddCnnModel"/> with it in your own app.
/// </summary>
public static class ServedNetworks
{
    private static readonly Dictionary<string, Action<IServiceCollection, string, ServeOptions>> s_byArchitecture = new(StringComparer.Ordinal)
    {
        [nameof(MnistNet)] = (services, path, options) => services.AddCnnModel(path, batch => new MnistNet(batch, null, 0, NetworkMode.Inference), options),
        [nameof(MnistBnNet)] = (services, path, options) => services.AddCnnModel(path, batch => new MnistBnNet(batch, null, 0, NetworkMode.Inference), options),
        [nameof(FashionNet)] = (services, path, options) => services.AddCnnModel(path, batch => new FashionNet(batch, null, 0, NetworkMode.Inference), options),
        [nameof(LeNet5)] = (services, path, options) => services.AddCnnModel(path, batch => new LeNet5(batch, null, 0, NetworkMode.Inference), options),
    };

    /// <summary>The architectures this sample knows.</summary>
    public static IEnumerable<string> Architectures => s_byArchitecture.Keys.Order(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="modelPath"/> with the network class its metadata names.</summary>
    /// <exception cref="InvalidDataException">The file names no architecture, or one this sample does not know.</exception>
    public static void Add(IServiceCollection services, string modelPath, string? architecture, ServeOptions options)
    {
        if (architecture is null || !s_byArchitecture.TryGetValue(architecture, out Action<IServiceCollection, string, ServeOptions>? add))
        {
            throw new InvalidDataException($"'{modelPath}' holds a {architecture ?? "network of unknown architecture"}, not one of the networks this sample serves " +
                $"({string.Join(", ", Architectures)}); register yours with AddCnnModel.");
        }
        add(services, modelPath, options);
    }
}

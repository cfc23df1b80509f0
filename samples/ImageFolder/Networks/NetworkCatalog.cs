using Cnn;
using Cnn.Models;

namespace ImageFolderSample.Networks;

/// <summary>One declared network: which body, at which input, with how many outputs.</summary>
/// <param name="Key">The <c>--network</c> name of the body.</param>
/// <param name="Size">The input's height and width.</param>
/// <param name="Channels">3 for RGB, 1 for greyscale.</param>
/// <param name="Outputs">The width of the classifier head.</param>
/// <param name="ArchitectureName">The class name, which model files keep as their architecture.</param>
/// <param name="Create">Builds the network for batches of up to the given size, initialised from the given seed.</param>
internal sealed record NetworkChoice(string Key, int Size, int Channels, int Outputs, string ArchitectureName, Func<int, ulong, INetwork> Create)
{
    public TensorShape InputShape => new(Channels, Size, Size);
}

/// <summary>A network body: its <c>--network</c> name, the block that declares its layers, and a description.</summary>
internal sealed record NetworkBody(string Key, string Block, string Description);

/// <summary>
/// The networks the sample can train, and how a data set picks one: by <c>--network</c>,
/// <c>--size</c>, <c>--grayscale</c>, and the smallest head that holds its classes.
/// </summary>
internal static class NetworkCatalog
{
    /// <summary>The bodies <c>--network</c> names, with what they are for the usage text.</summary>
    public static IReadOnlyList<NetworkBody> Bodies { get; } =
    [
        new("catsdogs", nameof(CatsVsDogsLayers), "the Keras cats-vs-dogs tutorial net (Cnn.Models.CatsVsDogsNet)"),
        new("mnist", nameof(MnistTutorialLayers), "the PyTorch MNIST tutorial net (samples/FashionMnist)"),
    ];

    public static IReadOnlyList<NetworkChoice> All { get; } =
    [
        new("catsdogs", 128, 3, 2, nameof(CatsVsDogs128Rgb2), (b, s) => new CatsVsDogs128Rgb2(b, seed: s)),
        new("catsdogs", 128, 3, 10, nameof(CatsVsDogs128Rgb10), (b, s) => new CatsVsDogs128Rgb10(b, seed: s)),
        new("catsdogs", 128, 3, 101, nameof(CatsVsDogs128Rgb101), (b, s) => new CatsVsDogs128Rgb101(b, seed: s)),
        new("catsdogs", 128, 1, 2, nameof(CatsVsDogs128Gray2), (b, s) => new CatsVsDogs128Gray2(b, seed: s)),
        new("catsdogs", 128, 1, 10, nameof(CatsVsDogs128Gray10), (b, s) => new CatsVsDogs128Gray10(b, seed: s)),
        new("catsdogs", 128, 1, 101, nameof(CatsVsDogs128Gray101), (b, s) => new CatsVsDogs128Gray101(b, seed: s)),
        new("catsdogs", 64, 3, 2, nameof(CatsVsDogs64Rgb2), (b, s) => new CatsVsDogs64Rgb2(b, seed: s)),
        new("catsdogs", 64, 3, 10, nameof(CatsVsDogs64Rgb10), (b, s) => new CatsVsDogs64Rgb10(b, seed: s)),
        new("catsdogs", 64, 3, 101, nameof(CatsVsDogs64Rgb101), (b, s) => new CatsVsDogs64Rgb101(b, seed: s)),
        new("catsdogs", 64, 1, 2, nameof(CatsVsDogs64Gray2), (b, s) => new CatsVsDogs64Gray2(b, seed: s)),
        new("catsdogs", 64, 1, 10, nameof(CatsVsDogs64Gray10), (b, s) => new CatsVsDogs64Gray10(b, seed: s)),
        new("catsdogs", 64, 1, 101, nameof(CatsVsDogs64Gray101), (b, s) => new CatsVsDogs64Gray101(b, seed: s)),
        new("catsdogs", 28, 3, 2, nameof(CatsVsDogs28Rgb2), (b, s) => new CatsVsDogs28Rgb2(b, seed: s)),
        new("catsdogs", 28, 3, 10, nameof(CatsVsDogs28Rgb10), (b, s) => new CatsVsDogs28Rgb10(b, seed: s)),
        new("catsdogs", 28, 3, 101, nameof(CatsVsDogs28Rgb101), (b, s) => new CatsVsDogs28Rgb101(b, seed: s)),
        new("catsdogs", 28, 1, 2, nameof(CatsVsDogs28Gray2), (b, s) => new CatsVsDogs28Gray2(b, seed: s)),
        new("catsdogs", 28, 1, 10, nameof(CatsVsDogs28Gray10), (b, s) => new CatsVsDogs28Gray10(b, seed: s)),
        new("catsdogs", 28, 1, 101, nameof(CatsVsDogs28Gray101), (b, s) => new CatsVsDogs28Gray101(b, seed: s)),
        new("mnist", 28, 1, 2, nameof(Mnist28Gray2), (b, s) => new Mnist28Gray2(b, seed: s)),
        new("mnist", 28, 1, 10, nameof(Mnist28Gray10), (b, s) => new Mnist28Gray10(b, seed: s)),
        new("mnist", 28, 1, 101, nameof(Mnist28Gray101), (b, s) => new Mnist28Gray101(b, seed: s)),
        new("mnist", 28, 3, 2, nameof(Mnist28Rgb2), (b, s) => new Mnist28Rgb2(b, seed: s)),
        new("mnist", 28, 3, 10, nameof(Mnist28Rgb10), (b, s) => new Mnist28Rgb10(b, seed: s)),
        new("mnist", 28, 3, 101, nameof(Mnist28Rgb101), (b, s) => new Mnist28Rgb101(b, seed: s)),
    ];

    /// <summary>The sizes <paramref name="key"/> is declared for, largest first.</summary>
    public static IReadOnlyList<int> SizesOf(string key) => All.Where(c => c.Key == key).Select(c => c.Size).Distinct().OrderDescending().ToArray();

    /// <summary>
    /// The declared network of body <paramref name="key"/> for <paramref name="channels"/>×<paramref name="size"/>×<paramref name="size"/>
    /// inputs with the fewest outputs that still hold <paramref name="classes"/> classes.
    /// </summary>
    /// <exception cref="ArgumentException">No such network is declared; the message says what is and how to add one.</exception>
    public static NetworkChoice Find(string key, int size, int channels, int classes)
    {
        NetworkBody body = CheckSize(key, size);
        NetworkChoice[] sized = All.Where(c => c.Key == key && c.Size == size && c.Channels == channels).OrderBy(c => c.Outputs).ToArray();
        if (classes < 2)
            throw new ArgumentException($"A classifier needs at least 2 classes (sub-folders); found {classes}.");
        return sized.FirstOrDefault(c => c.Outputs >= classes)
            ?? throw new ArgumentException(
                $"The data has {classes} classes but the largest {key} head declared is {sized[^1].Outputs} outputs; add " +
                $"[Network][Input({channels}, {size}, {size})][Use<{body.Block}>(\"\", {classes})] " +
                "to samples/ImageFolder/Networks/Declarations.cs and its row to NetworkCatalog.");
    }

    /// <summary>The body named <paramref name="key"/>, when it is declared for <paramref name="size"/>.</summary>
    /// <exception cref="ArgumentException">There is no such body, or it is not declared for that size.</exception>
    public static NetworkBody CheckSize(string key, int size)
    {
        NetworkBody body = Bodies.FirstOrDefault(b => b.Key == key)
            ?? throw new ArgumentException($"Unknown network '{key}'; use {string.Join(" or ", Bodies.Select(b => b.Key))}.");
        if (!SizesOf(key).Contains(size))
            throw new ArgumentException($"--network {key} is declared for --size {string.Join(", ", SizesOf(key))} only, not {size}.");
        return body;
    }

    /// <summary>The declared network whose class is named <paramref name="architecture"/>, as a model file records it; null if none.</summary>
    public static NetworkChoice? ForArchitecture(string? architecture) => All.FirstOrDefault(c => c.ArchitectureName == architecture);
}

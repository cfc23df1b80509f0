namespace Cnn.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 greyscale images of clothing in ten
/// classes, 60,000 for training and 10,000 for testing, in the MNIST file format.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    });

    /// <summary>
    /// Loads the training or test split from <paramref name="directory"/>, which holds
    /// <c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c> and
    /// <c>t10k-labels-idx1-ubyte</c>, each raw or with a <c>.gz</c> suffix. Pixels are scaled to [0, 1].
    /// </summary>
    /// <param name="directory">The folder of the files, e.g. <see cref="DefaultDirectory"/>.</param>
    /// <param name="train">The 60,000 training samples if true, the 10,000 test samples if false.</param>
    /// <param name="limit">Load at most this many samples, from the start.</param>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names tried and how to install them.</exception>
    /// <exception cref="DataFormatException">A file is malformed.</exception>
    public static ImageDataset Load(string directory, bool train, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string prefix = train ? "train" : "t10k";
        string images = Find(directory, $"{prefix}-images-idx3-ubyte", train ? "training images" : "test images");
        string labels = Find(directory, $"{prefix}-labels-idx1-ubyte", train ? "training labels" : "test labels");
        return MnistFormat.Load(images, labels, ClassNames, limit);
    }

    /// <summary>The path of <paramref name="name"/> or <paramref name="name"/>.gz in <paramref name="directory"/>, raw preferred.</summary>
    private static string Find(string directory, string name, string what)
    {
        string[] tried = [name, name + ".gz"];
        foreach (string candidate in tried)
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path))
                return path;
        }

        string where = Directory.Exists(directory) ? $"in '{directory}'" : $"because the directory '{directory}' does not exist";
        throw new FileNotFoundException(
            $"Fashion-MNIST {what} not found {where}; tried {string.Join(", ", tried)}. " +
            $"Install the data set with `apt-get install dataset-fashion-mnist` (it goes to {DefaultDirectory}), " +
            "or download it from https://github.com/zalandoresearch/fashion-mnist and pass --data DIR.",
            Path.Combine(directory, tried[^1]));
    }
}

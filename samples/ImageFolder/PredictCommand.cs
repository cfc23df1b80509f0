using Cnn;
using Cnn.Data;
using Cnn.Imaging;
using Cnn.IO;
using Cnn.Training;
using ImageFolderSample.Networks;

namespace ImageFolderSample;

/// <summary>
/// <c>predict MODEL IMAGE</c>: rebuilds the network the model file names, loads its weights, prepares
/// the image as training did (size, channels and normalisation from the file's metadata) and prints
/// the most probable classes with their probabilities.
/// </summary>
internal static class PredictCommand
{
    public static int Run(PredictOptions options, TextWriter output)
    {
        ModelMetadata metadata = ModelFile.ReadMetadata(options.ModelPath);
        NetworkChoice choice = NetworkCatalog.ForArchitecture(metadata.Architecture)
            ?? throw new InvalidDataException($"'{options.ModelPath}' holds a {metadata.Architecture ?? "network of unknown architecture"}, " +
                $"not one of this sample's networks ({string.Join(", ", NetworkCatalog.All.Select(c => c.ArchitectureName))}).");
        IReadOnlyList<string> classNames = metadata.ClassNames
            ?? throw new InvalidDataException($"'{options.ModelPath}' has no class names in its metadata.");
        if (classNames.Count > choice.Outputs)
            throw new InvalidDataException($"'{options.ModelPath}' names {classNames.Count} classes but {choice.ArchitectureName} has {choice.Outputs} outputs.");
        Preprocessing preprocessing = Preprocessing.FromMetadata(metadata.Extra, choice.Size, options.ModelPath);

        using INetwork network = choice.Create(1, 0);
        ModelFile.Load(network, options.ModelPath);
        ImageTensor image = SkiaImageDecoder.Shared.Decode(options.ImagePath, choice.Channels == 1 ? ImageColorMode.Grayscale : ImageColorMode.Rgb);
        var random = new SeededRandom(0);
        Prediction prediction = network.Predict(preprocessing.Evaluation.Apply(image, ref random).Data, classNames);

        output.WriteLine($"{options.ImagePath} ({image.Width}×{image.Height}, read as {choice.InputShape} by {choice.ArchitectureName}):");
        int width = classNames.Max(n => n.Length);
        foreach ((string name, float probability) in prediction.Top(options.Top))
            output.WriteLine($"  {name.PadRight(width)}  {probability,7:P2}");
        return 0;
    }
}

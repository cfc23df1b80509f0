using Cnn.Data;
using ImageFolderSample.Networks;

namespace ImageFolderSample;

/// <summary>The <c>train</c> command line.</summary>
internal sealed record TrainOptions
{
    public required string DataDirectory { get; init; }
    public int Size { get; init; } = 128;
    public string Network { get; init; } = "catsdogs";
    public bool Grayscale { get; init; }
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    public float LearningRate { get; init; } = 1e-3f;
    public bool Augment { get; init; }
    public double Validation { get; init; } = 0.2;
    public ulong Seed { get; init; } = 42;
    public BadImagePolicy BadImages { get; init; } = BadImagePolicy.Fail;
    public string? TestDirectory { get; init; }
    public int Patience { get; init; }
    public int Workers { get; init; } = 2;
    public bool Resume { get; init; }
    public string? OutDirectory { get; init; }

    /// <summary>Where the run's files go: <c>--out</c>, or <c>runs/&lt;data folder name&gt;</c>.</summary>
    public string Out => OutDirectory ?? Path.Combine("runs", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(DataDirectory))));

    public int Channels => Grayscale ? 1 : 3;

    /// <summary>Parses the arguments after <c>train</c>.</summary>
    /// <exception cref="ArgumentException">An argument is unknown, missing its value, or out of range.</exception>
    public static TrainOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
            throw new ArgumentException("train needs the data folder first: train DATA_DIR [options].");
        var options = new TrainOptions { DataDirectory = args[0] };
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "--augment" or "--grayscale" or "--resume")
            {
                options = name switch
                {
                    "--augment" => options with { Augment = true },
                    "--grayscale" => options with { Grayscale = true },
                    _ => options with { Resume = true },
                };
                continue;
            }
            if (i + 1 >= args.Count) throw new ArgumentException($"{name} needs a value.");
            string value = args[++i];
            options = name switch
            {
                "--size" => options with { Size = OptionValues.Positive(name, value) },
                "--network" => options with { Network = value },
                "--epochs" => options with { Epochs = OptionValues.Positive(name, value) },
                "--batch-size" => options with { BatchSize = OptionValues.Positive(name, value) },
                "--lr" => options with { LearningRate = OptionValues.PositiveSingle(name, value) },
                "--validation" => options with { Validation = OptionValues.Fraction(name, value) },
                "--seed" => options with { Seed = OptionValues.Seed(name, value) },
                "--bad-images" => options with
                {
                    BadImages = value switch
                    {
                        "skip" => BadImagePolicy.Skip,
                        "fail" => BadImagePolicy.Fail,
                        _ => throw new ArgumentException($"--bad-images takes skip or fail, not '{value}'."),
                    },
                },
                "--test" => options with { TestDirectory = value },
                "--patience" => options with { Patience = OptionValues.NonNegative(name, value) },
                "--workers" => options with { Workers = OptionValues.Positive(name, value) },
                "--out" => options with { OutDirectory = value },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        NetworkCatalog.CheckSize(options.Network, options.Size);
        return options;
    }
}

namespace CnnClassifier;

/// <summary>The command line: a few options, parsed by hand so that the project needs only Cnn.</summary>
internal sealed record Options
{
    public const string Usage = """
        Trains ClassifierNet and saves it as a safetensors file.

        Usage: CnnClassifier [options]
          --data DIR        Fashion-MNIST folder (train-images-idx3-ubyte[.gz] and the other three IDX files)
          --synthetic N     train on N generated images instead (no download; for a first run and CI)
          --epochs N        epochs (default 1)
          --batch-size N    batch size (default 64)
          --lr X            Adam learning rate (default 0.001)
          --seed N          seed of initialisation and data order (default 1)
          --out FILE        where to save the model (default model.safetensors)
          -h, --help        show this help
        """;

    public string? DataDirectory { get; init; }
    public int? Synthetic { get; init; }
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 1e-3f;
    public ulong Seed { get; init; } = 1;
    public string Output { get; init; } = "model.safetensors";
    public bool Help { get; init; }

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--data" => options with { DataDirectory = Value() },
                "--synthetic" => options with { Synthetic = int.Parse(Value()) },
                "--epochs" => options with { Epochs = int.Parse(Value()) },
                "--batch-size" => options with { BatchSize = int.Parse(Value()) },
                "--lr" => options with { LearningRate = float.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture) },
                "--seed" => options with { Seed = ulong.Parse(Value()) },
                "--out" => options with { Output = Value() },
                "-h" or "--help" => options with { Help = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (!options.Help && options.DataDirectory is null && options.Synthetic is null)
            throw new ArgumentException("give --data DIR or --synthetic N");
        return options;
    }
}

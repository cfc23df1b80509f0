using System.CommandLine;

namespace CnnClassifier;

/// <summary>The command line's settings, parsed by <see cref="Create"/> with System.CommandLine.</summary>
internal sealed record Options
{
    public string? DataDirectory { get; init; }
    public int? Synthetic { get; init; }
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 1e-3f;
    public ulong Seed { get; init; } = 1;
    public string Output { get; init; } = "model.safetensors";

    /// <summary>The root command: its options, their checks, the help text, and an action that calls <paramref name="run"/>.</summary>
    public static RootCommand Create(Func<Options, int> run)
    {
        var defaults = new Options();
        var data = new Option<string>("--data") { Description = "Fashion-MNIST folder (train-images-idx3-ubyte[.gz] and the other three IDX files)", HelpName = "DIR" };
        var synthetic = new Option<int?>("--synthetic") { Description = "Train on N generated images instead (no download; for a first run and CI)", HelpName = "N" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs", HelpName = "N", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Batch size", HelpName = "N", DefaultValueFactory = _ => defaults.BatchSize };
        var learningRate = new Option<float>("--lr") { Description = "Adam learning rate", HelpName = "X", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<ulong>("--seed") { Description = "Seed of initialisation and data order", HelpName = "N", DefaultValueFactory = _ => defaults.Seed };
        var output = new Option<string>("--out") { Description = "Where to save the model", HelpName = "FILE", DefaultValueFactory = _ => defaults.Output };

        var command = new RootCommand("Trains ClassifierNet and saves it as a safetensors file.")
        {
            data, synthetic, epochs, batchSize, learningRate, seed, output,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(data) is null && result.GetResult(synthetic) is null) result.AddError("Give --data DIR or --synthetic N.");
        });
        command.SetAction(result => run(new Options
        {
            DataDirectory = result.GetValue(data),
            Synthetic = result.GetValue(synthetic),
            Epochs = result.GetValue(epochs),
            BatchSize = result.GetValue(batchSize),
            LearningRate = result.GetValue(learningRate),
            Seed = result.GetValue(seed),
            Output = result.GetRequiredValue(output),
        }));
        return command;
    }
}

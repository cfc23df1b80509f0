using System.Globalization;

namespace Cifar10Sample;

/// <summary>The sample's command line.</summary>
internal sealed record Cifar10Options
{
    public string? DataDirectory { get; init; }
    public string Optimizer { get; init; } = "sgd";
    public float? LearningRate { get; init; }
    public float Momentum { get; init; }
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 64;
    public int? Limit { get; init; }
    public int? TestLimit { get; init; }
    public ulong Seed { get; init; } = 1;
    public string? ReportPath { get; init; }
    public bool Help { get; init; }

    /// <summary>The learning rate: <c>--lr</c>, or the reference's 0.008 for SGD and PyTorch's default 0.001 for Adam.</summary>
    public float EffectiveLearningRate => LearningRate ?? (Optimizer == "adam" ? 1e-3f : 0.008f);

    /// <exception cref="ArgumentException">An argument is unknown, missing its value, or out of range, or --data is missing.</exception>
    public static Cifar10Options Parse(string[] args)
    {
        var options = new Cifar10Options();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help") return options with { Help = true };
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
            string value = args[++i];
            options = name switch
            {
                "--data" => options with { DataDirectory = value },
                "--optimizer" => options with { Optimizer = value is "sgd" or "adam" ? value : throw new ArgumentException($"--optimizer takes sgd or adam, not '{value}'.") },
                "--lr" => options with { LearningRate = PositiveSingle(name, value) },
                "--momentum" => options with { Momentum = float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float m) && m >= 0 && m < 1 ? m : throw new ArgumentException($"--momentum needs a number in [0, 1), not '{value}'.") },
                "--epochs" => options with { Epochs = Positive(name, value) },
                "--batch-size" => options with { BatchSize = Positive(name, value) },
                "--limit" => options with { Limit = Positive(name, value) },
                "--test-limit" => options with { TestLimit = Positive(name, value) },
                "--seed" => options with { Seed = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed) ? seed : throw new ArgumentException($"--seed needs a non-negative integer, not '{value}'.") },
                "--report" => options with { ReportPath = value },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        if (options.DataDirectory is null) throw new ArgumentException("--data DIR is required: the folder with data_batch_1.bin ... data_batch_5.bin and test_batch.bin.");
        if (options.Momentum > 0 && options.Optimizer != "sgd") throw new ArgumentException("--momentum is for --optimizer sgd.");
        return options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{name} needs a positive integer, not '{value}'.");

    private static float PositiveSingle(string name, string value) =>
        float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) && x > 0 && float.IsFinite(x) ? x : throw new ArgumentException($"{name} needs a positive number, not '{value}'.");
}

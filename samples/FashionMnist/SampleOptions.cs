using System.Globalization;

namespace FashionMnist;

/// <summary>The sample's command line.</summary>
internal sealed record SampleOptions
{
    public const string Usage = """
        usage: FashionMnist [options]
          --preset best      the settings that reach the best accuracy in about five minutes on two cores:
                             --model best --epochs 15 --lr 0.004 --augment (AdamW, one-cycle schedule)
          --model NAME       mnist (the PyTorch tutorial net, default), lenet5, bn (the tutorial net
                             with batch norm), or best (bn with dropout)
          --epochs N         training epochs (default 2)
          --batch-size N     samples per step (default 64)
          --lr X             Adam learning rate (default 0.001)
          --seed N           seed for initialisation and shuffling (default 1)
          --augment          random horizontal flips and a one-cycle learning-rate schedule
          --limit N          train on the first N images only
          --data DIR         folder with the Fashion-MNIST idx files (default: Debian's dataset-fashion-mnist, installed if missing)
          --report FILE      write a JSON report
        """;

    public string Model { get; init; } = "mnist";
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 64;
    public float LearningRate { get; init; } = 1e-3f;
    public ulong Seed { get; init; } = 1;
    public int? Limit { get; init; }
    public string? DataDirectory { get; init; }
    public string? ReportPath { get; init; }
    public bool Augment { get; init; }
    public bool Help { get; init; }

    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help") return options with { Help = true };
            if (name == "--augment")
            {
                options = options with { Augment = true };
                continue;
            }
            if (i + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
            string value = args[++i];
            options = name switch
            {
                "--model" => options with { Model = value is "mnist" or "lenet5" or "bn" or "best" ? value : throw new ArgumentException($"Unknown model '{value}'; use mnist, lenet5, bn or best.") },
                "--preset" => value == "best"
                    ? options with { Model = "best", Epochs = 15, LearningRate = 0.004f, Augment = true }
                    : throw new ArgumentException($"Unknown preset '{value}'; use best."),
                "--epochs" => options with { Epochs = Positive(name, value) },
                "--batch-size" => options with { BatchSize = Positive(name, value) },
                "--lr" => options with { LearningRate = float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float lr) && lr > 0 ? lr : throw new ArgumentException($"--lr needs a positive number, not '{value}'.") },
                "--seed" => options with { Seed = ulong.TryParse(value, CultureInfo.InvariantCulture, out ulong seed) ? seed : throw new ArgumentException($"--seed needs a non-negative integer, not '{value}'.") },
                "--limit" => options with { Limit = Positive(name, value) },
                "--data" => options with { DataDirectory = value },
                "--report" => options with { ReportPath = value },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        return options;
    }

    private static int Positive(string name, string value)
        => int.TryParse(value, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{name} needs a positive integer, not '{value}'.");
}

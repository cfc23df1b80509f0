namespace Cifar10Sample;

/// <summary>The sample's settings, as <see cref="Cifar10Command"/> parses them from the command line.</summary>
internal sealed record Cifar10Options
{
    public required string DataDirectory { get; init; }
    public string Optimizer { get; init; } = "sgd";
    public float? LearningRate { get; init; }
    public float Momentum { get; init; }
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 64;
    public int? Limit { get; init; }
    public int? TestLimit { get; init; }
    public ulong Seed { get; init; } = 1;
    public string? ReportPath { get; init; }

    /// <summary>The learning rate: <c>--lr</c>, or the reference's 0.008 for SGD and PyTorch's default 0.001 for Adam.</summary>
    public float EffectiveLearningRate => LearningRate ?? (Optimizer == "adam" ? 1e-3f : 0.008f);
}

using Cnn.Data;

namespace ImageFolderSample;

/// <summary>The <c>train</c> command's settings, as <see cref="TrainCommandLine"/> parses them.</summary>
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
}

using System.Text.Json.Serialization;

namespace ImageFolderSample;

/// <summary>What <c>train</c> writes to report.json: the data, the network, skipped files, the settings and the results.</summary>
internal sealed record TrainReport
{
    [JsonPropertyName("data")] public required string Data { get; init; }
    [JsonPropertyName("test_data")] public string? TestData { get; init; }
    [JsonPropertyName("network")] public required string Network { get; init; }
    [JsonPropertyName("architecture")] public required string Architecture { get; init; }
    [JsonPropertyName("input_shape")] public required int[] InputShape { get; init; }
    [JsonPropertyName("class_names")] public required IReadOnlyList<string> ClassNames { get; init; }
    [JsonPropertyName("train_images")] public int TrainImages { get; init; }
    [JsonPropertyName("validation_images")] public int? ValidationImages { get; init; }
    [JsonPropertyName("test_images")] public int? TestImages { get; init; }
    [JsonPropertyName("skipped_files")] public required IReadOnlyList<SkippedFile> SkippedFiles { get; init; }
    [JsonPropertyName("normalization_mean")] public required IReadOnlyList<float> NormalizationMean { get; init; }
    [JsonPropertyName("normalization_std")] public required IReadOnlyList<float> NormalizationStd { get; init; }
    [JsonPropertyName("epochs")] public int Epochs { get; init; }
    [JsonPropertyName("epochs_run")] public int EpochsRun { get; init; }
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; }
    [JsonPropertyName("learning_rate")] public float LearningRate { get; init; }
    [JsonPropertyName("augment")] public bool Augment { get; init; }
    [JsonPropertyName("seed")] public ulong Seed { get; init; }
    [JsonPropertyName("best_model")] public string? BestModel { get; init; }
    [JsonPropertyName("best_epoch")] public int BestEpoch { get; init; }
    [JsonPropertyName("monitor")] public required string Monitor { get; init; }
    [JsonPropertyName("test_accuracy")] public double? TestAccuracy { get; init; }
    [JsonPropertyName("test_loss")] public double? TestLoss { get; init; }
    [JsonPropertyName("confusion_matrix_accuracy")] public double? ConfusionMatrixAccuracy { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("train_seconds")] public double TrainSeconds { get; init; }
    [JsonPropertyName("train_waited_for_data_seconds")] public double TrainWaitedForDataSeconds { get; init; }
    [JsonPropertyName("train_batches_waited_for")] public int TrainBatchesWaitedFor { get; init; }
    [JsonPropertyName("pictures")] public required IReadOnlyList<string> Pictures { get; init; }

    /// <summary>A file that <c>--bad-images skip</c> left out, and why.</summary>
    public sealed record SkippedFile([property: JsonPropertyName("path")] string Path, [property: JsonPropertyName("reason")] string Reason);
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cifar10Sample;

/// <summary>What <c>--report</c> writes: the run's settings and results, with the per-epoch history.</summary>
internal sealed record Cifar10Report(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
    [property: JsonPropertyName("test_loss")] double TestLoss,
    [property: JsonPropertyName("test_images")] int TestImages,
    [property: JsonPropertyName("train_images")] int TrainImages,
    [property: JsonPropertyName("optimizer")] string Optimizer,
    [property: JsonPropertyName("learning_rate")] float LearningRate,
    [property: JsonPropertyName("momentum")] float Momentum,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("normalization_mean")] IReadOnlyList<float> NormalizationMean,
    [property: JsonPropertyName("normalization_std")] IReadOnlyList<float> NormalizationStd,
    [property: JsonPropertyName("train_seconds")] double TrainSeconds,
    [property: JsonPropertyName("history")] JsonElement History);

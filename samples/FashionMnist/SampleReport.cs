using System.Text.Json.Serialization;
using Cnn.Training;

namespace FashionMnist;

/// <summary>What <c>--report</c> writes: the run's settings and results, with the per-epoch history; with <c>--augment</c>, also the test accuracy under flip test-time augmentation (null without).</summary>
internal sealed record SampleReport(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("test_accuracy")] double TestAccuracy,
    [property: JsonPropertyName("test_loss")] double TestLoss,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("batch_size")] int BatchSize,
    [property: JsonPropertyName("learning_rate")] float LearningRate,
    [property: JsonPropertyName("augment")] bool Augment,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("train_images")] int TrainImages,
    [property: JsonPropertyName("train_seconds")] double TrainSeconds,
    [property: JsonPropertyName("train_images_per_second")] double TrainImagesPerSecond,
    [property: JsonPropertyName("parameters")] long Parameters,
    [property: JsonPropertyName("history")] IReadOnlyList<EpochResult> History,
    [property: JsonPropertyName("test_accuracy_flip_tta")] double? TestAccuracyFlipTta);

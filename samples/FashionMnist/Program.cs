using System.Diagnostics;
using System.Text.Json;
using Cnn;
using Cnn.Data;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Training;
using FashionMnist;
using Cnn.Models;
using FashionMnist.Networks;

// Trains the PyTorch MNIST tutorial network (or LeNet-5) on Fashion-MNIST, evaluates it on the test
// set, shows one prediction, and optionally writes a JSON report.
SampleOptions options;
try
{
    options = SampleOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(SampleOptions.Usage);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(SampleOptions.Usage);
    return 0;
}

string directory = options.DataDirectory ?? DatasetInstaller.EnsureFashionMnist();
ImageDataset train = Cnn.Data.FashionMnist.Load(directory, train: true, limit: options.Limit);
ImageDataset test = Cnn.Data.FashionMnist.Load(directory, train: false);
Console.WriteLine($"Fashion-MNIST from {directory}: {train.Count:N0} training and {test.Count:N0} test images");

using INetwork network = options.Model switch
{
    "lenet5" => new LeNet5(maxBatchSize: Math.Max(options.BatchSize, 256), seed: options.Seed),
    "bn" => new MnistBnNet(maxBatchSize: Math.Max(options.BatchSize, 256), seed: options.Seed),
    _ => new MnistNet(maxBatchSize: Math.Max(options.BatchSize, 256), seed: options.Seed),
};
Console.WriteLine(network.Summary);

using var optimizer = new Adam(network, options.LearningRate);
var clock = Stopwatch.StartNew();
IReadOnlyList<EpochResult> history = network.Fit(train, validation: null, new FitOptions
{
    Optimizer = optimizer,
    Epochs = options.Epochs,
    BatchSize = options.BatchSize,
    Normalization = Normalization.FashionMnist,
    Seed = options.Seed,
    Progress = new ConsoleProgress(),
});
double trainSeconds = clock.Elapsed.TotalSeconds;

Evaluation evaluation = network.Evaluate(test, batchSize: 256, Normalization.FashionMnist);
double imagesPerSecond = (double)train.Count * options.Epochs / history.Sum(e => e.Seconds);
Console.WriteLine($"test accuracy {evaluation.Accuracy:P2}, test loss {evaluation.Loss:F4}; trained {options.Epochs} epochs in {trainSeconds:F1}s ({imagesPerSecond:N0} img/s)");

int sample = 0;
Prediction prediction = network.Predict(test.GetImage(sample), test.ClassNames, Normalization.FashionMnist);
Console.WriteLine($"test image {sample}: predicted '{prediction.ClassName}' ({prediction.Confidence:P1} confident); it is a '{test.ClassNames[test.GetLabel(sample)]}'");

if (options.ReportPath is not null)
{
    var report = new Dictionary<string, object>
    {
        ["model"] = network.ArchitectureName,
        ["test_accuracy"] = evaluation.Accuracy,
        ["test_loss"] = evaluation.Loss,
        ["epochs"] = options.Epochs,
        ["batch_size"] = options.BatchSize,
        ["learning_rate"] = options.LearningRate,
        ["seed"] = options.Seed,
        ["train_images"] = train.Count,
        ["train_seconds"] = trainSeconds,
        ["train_images_per_second"] = imagesPerSecond,
        ["parameters"] = network.ParameterInfos.Sum(p => (long)p.Length),
        ["history"] = history,
    };
    AtomicFile.WriteAllText(options.ReportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"report written to {options.ReportPath}");
}
return 0;

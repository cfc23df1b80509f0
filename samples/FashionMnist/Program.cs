using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics;
using System.Text.Json;
using Cnn;
using Cnn.Backends.Cpu;
using Cnn.Data;
using Cnn.Data.Transforms;
using Cnn.IO;
using Cnn.Losses;
using Cnn.Models;
using Cnn.Optimizers;
using Cnn.Training;
using FashionMnist;
using FashionMnist.Networks;

// Trains the PyTorch MNIST tutorial network (or LeNet-5, a batch-norm variant, or the "best" preset)
// on Fashion-MNIST, evaluates it on the test set, shows one prediction, and optionally writes a
// JSON report and saves the model.
ParseResult parsed = SampleCommand.Create(TrainOrExplain).Parse(args);
int exit = parsed.Invoke();
// System.CommandLine exits with 1 on a parse error; the samples use 2 for bad arguments.
return parsed.Action is ParseErrorAction ? 2 : exit;

// Missing or damaged data, an unwritable file or a run that diverged: the message says which, without a stack trace.
static int TrainOrExplain(SampleOptions options)
{
    try
    {
        return Train(options);
    }
    catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException or TrainingDivergedException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 1;
    }
}

static int Train(SampleOptions options)
{
    string directory = options.DataDirectory ?? DatasetInstaller.EnsureFashionMnist();
    ImageDataset train = Cnn.Data.FashionMnist.Load(directory, train: true, limit: options.Limit);
    ImageDataset test = Cnn.Data.FashionMnist.Load(directory, train: false);
    Console.WriteLine($"Fashion-MNIST from {directory}: {train.Count:N0} training and {test.Count:N0} test images");

    int maxBatch = Math.Max(options.BatchSize, 256);
    using var backend = new CpuBackend(precision: options.BFloat16 ? MatrixPrecision.BFloat16 : MatrixPrecision.Single);
    using INetwork network = options.Model switch
    {
        "lenet5" => new LeNet5(maxBatch, backend, options.Seed),
        "bn" => new MnistBnNet(maxBatch, backend, options.Seed),
        "best" => new FashionNet(maxBatch, backend, options.Seed),
        _ => new MnistNet(maxBatch, backend, options.Seed),
    };
    Console.WriteLine($"backend {backend.Name}, {backend.Threads} threads");
    Console.WriteLine(network.Summary);

    using Optimizer optimizer = options.Model == "best"
        ? new AdamW(network, options.LearningRate, weightDecay: 5e-4f)
        : new Adam(network, options.LearningRate);
    var fit = new FitOptions
    {
        Optimizer = optimizer,
        Epochs = options.Epochs,
        BatchSize = options.BatchSize,
        Normalization = Normalization.FashionMnist,
        Seed = options.Seed,
        Progress = new ConsoleProgress(),
        Loss = options.LabelSmoothing > 0 ? new LabelSmoothingCrossEntropyLoss(options.LabelSmoothing) : null,
    };
    var clock = Stopwatch.StartNew();
    IReadOnlyList<EpochResult> history;
    if (options.Augment)
    {
        // Random horizontal flips, on a background worker; the one-cycle schedule runs per step.
        var steps = (long)options.Epochs * ((train.Count + options.BatchSize - 1) / options.BatchSize);
        // With --crop-padding, also random shifts: torchvision's RandomCrop(28, padding) with zero fill.
        IImageTransform[] transforms = options.CropPadding > 0
            ? [new RandomHorizontalFlip(0.5f), new RandomCrop(28) { Padding = options.CropPadding }, new Normalize(Normalization.FashionMnist)]
            : [new RandomHorizontalFlip(0.5f), new Normalize(Normalization.FashionMnist)];
        var transform = new Compose(transforms);
        ICallback[] callbacks = options.EmaDecay > 0
            ? [new OneCycleLR(options.LearningRate, steps), new ExponentialMovingAverage(options.EmaDecay)]
            : [new OneCycleLR(options.LearningRate, steps)];
        using var loader = new PrefetchingLoader(new ImageDatasetSource(train), options.BatchSize, transform, shuffle: true, seed: options.Seed, workers: 1);
        history = network.Fit(loader, validation: null, fit with { Callbacks = callbacks });
    }
    else
    {
        history = network.Fit(train, validation: null, fit);
    }
    double trainSeconds = clock.Elapsed.TotalSeconds;

    Evaluation evaluation = network.Evaluate(test, batchSize: 256, Normalization.FashionMnist);
    double imagesPerSecond = (double)train.Count * options.Epochs / history.Sum(e => e.Seconds);
    Console.WriteLine($"test accuracy {evaluation.Accuracy:P2}, test loss {evaluation.Loss:F4}; trained {options.Epochs} epochs in {trainSeconds:F1}s ({imagesPerSecond:N0} img/s)");
    Evaluation? tta = null;
    if (options.Augment)
    {
        // Flip test-time augmentation: the probabilities of each test image and its mirror image, averaged.
        tta = network.EvaluateTta(test, [new RandomHorizontalFlip(1f)], batchSize: 256, Normalization.FashionMnist);
        Console.WriteLine($"test accuracy with flip TTA {tta.Accuracy:P2}, test loss {tta.Loss:F4}");
    }

    int sample = 0;
    Prediction prediction = network.Predict(test.GetImage(sample), test.ClassNames, Normalization.FashionMnist);
    Console.WriteLine($"test image {sample}: predicted '{prediction.ClassName}' ({prediction.Confidence:P1} confident); it is a '{test.ClassNames[test.GetLabel(sample)]}'");

    if (options.ModelPath is not null)
    {
        // The class names and the normalisation travel with the weights, so samples/Serve needs nothing else.
        ModelFile.Save(network, options.ModelPath, new ModelMetadata(test.ClassNames, NormalizationMetadata.ToMetadata(Normalization.FashionMnist)));
        Console.WriteLine($"model saved to {options.ModelPath}");
    }
    if (options.ReportPath is not null)
    {
        var report = new SampleReport(network.ArchitectureName, evaluation.Accuracy, evaluation.Loss, options.Epochs, options.BatchSize,
            options.LearningRate, options.Augment, options.Seed, train.Count, trainSeconds, imagesPerSecond,
            network.ParameterInfos.Sum(p => (long)p.Length), history, tta?.Accuracy);
        AtomicFile.WriteAllText(options.ReportPath, JsonSerializer.Serialize(report, ReportJsonContext.Default.SampleReport));
        Console.WriteLine($"report written to {options.ReportPath}");
    }
    return 0;
}

using System.Diagnostics;
using System.Text.Json;
using Cnn;
using Cnn.Data;
using Cnn.Imaging;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Plots;
using Cnn.Training;
using ImageFolderSample.Networks;

namespace ImageFolderSample;

/// <summary>
/// <c>train DATA_DIR</c>: opens the class folders (with a seeded validation split, and a separate test
/// folder if given), picks the declared network for the size, channels and class count, trains it with
/// Adam on images decoded and augmented by background workers, and writes the run's files to the output
/// folder: the best model, the history, a report and three pictures.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Files the run writes into its output folder.</summary>
    public const string ModelFileName = "best.safetensors";
    public const string HistoryCsvFileName = "history.csv";
    public const string HistoryJsonFileName = "history.json";
    public const string ReportFileName = "report.json";
    public const string CurvesFileName = "curves.png";
    public const string ConfusionFileName = "confusion_matrix.png";
    public const string FeatureMapsFileName = "feature_maps.png";
    public const string CheckpointFolderName = "checkpoint";

    public static int Run(TrainOptions options, TextWriter output, IProgress<TrainingProgress> progress, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        var folderOptions = new ImageFolderOptions
        {
            ColorMode = options.Grayscale ? ImageColorMode.Grayscale : ImageColorMode.Rgb,
            BadImages = options.BadImages,
        };
        IImageDecoder decoder = SkiaImageDecoder.Shared;
        ImageFolderDataset train;
        ImageFolderDataset? validation = null;
        if (options.Validation > 0)
            (train, validation) = ImageFolderDataset.OpenSplit(options.DataDirectory, decoder, options.Validation, options.Seed, folderOptions);
        else
            train = new ImageFolderDataset(options.DataDirectory, decoder, folderOptions);
        ImageFolderDataset? test = options.TestDirectory is null
            ? null
            : new ImageFolderDataset(options.TestDirectory, decoder, folderOptions with { ClassNames = train.ClassNames });
        foreach (ImageFolderDataset set in new[] { train, test }.OfType<ImageFolderDataset>().Where(d => d.Count == 0))
        {
            throw new InvalidDataException($"There are no images to use under '{set.Root}' ({set.SkippedCount} skipped); " +
                $"put {string.Join(", ", folderOptions.Extensions)} files in its class sub-folders.");
        }
        if (validation is { Count: 0 })
        {
            output.WriteLine($"--validation {options.Validation} leaves no image for validation; training without a validation split.");
            validation = null;
        }
        ImageFolderDataset[] datasets = new[] { train, validation, test }.OfType<ImageFolderDataset>().ToArray();
        IReadOnlyList<string> classNames = train.ClassNames;
        output.WriteLine($"{classNames.Count} classes in {train.Root}: {string.Join(", ", classNames)}");
        output.WriteLine($"{train.Count} training images" +
            (validation is null ? "" : $", {validation.Count} validation images ({options.Validation:P0} of each class, split with seed {options.Seed})") +
            (test is null ? "" : $", {test.Count} test images in {test.Root}"));
        WriteSkipped(output, datasets, "while opening");

        NetworkChoice choice = NetworkCatalog.Find(options.Network, options.Size, options.Channels, classNames.Count);
        (Preprocessing preprocessing, int measured) = Preprocessing.Estimate(train, options.Size);
        output.WriteLine($"normalization measured on {measured} training images: {preprocessing.Normalization}");

        using INetwork network = choice.Create(options.BatchSize, options.Seed);
        output.WriteLine(network.Summary);
        if (choice.Outputs > classNames.Count)
        {
            output.WriteLine($"{choice.ArchitectureName} has {choice.Outputs} outputs for {classNames.Count} classes: outputs {classNames.Count} to {choice.Outputs - 1} " +
                "are never a target, so training drives their probability to zero; predictions and the confusion matrix use the first " +
                $"{classNames.Count}. (See samples/ImageFolder/Networks/Declarations.cs to declare an exact head.)");
        }

        using var trainLoader = new PrefetchingLoader(train, options.BatchSize, preprocessing.Training(options.Augment),
            shuffle: true, seed: options.Seed, workers: options.Workers, sampleShape: choice.InputShape);
        using PrefetchingLoader? validationLoader = validation is null ? null
            : new PrefetchingLoader(validation, options.BatchSize, preprocessing.Evaluation, workers: options.Workers, sampleShape: choice.InputShape);
        using PrefetchingLoader? testLoader = test is null ? null
            : new PrefetchingLoader(test, options.BatchSize, preprocessing.Evaluation, workers: options.Workers, sampleShape: choice.InputShape);
        // Without a validation split the test folder is evaluated after each epoch (Keras's
        // validation_data=test): it then also picks the best checkpoint.
        PrefetchingLoader? perEpoch = validationLoader ?? testLoader;
        string perEpochName = validationLoader is not null ? "validation" : "test";
        if (validationLoader is null && testLoader is not null)
            output.WriteLine("No validation split (--validation 0): the test folder is evaluated after each epoch and picks the best checkpoint.");

        string outDirectory = options.Out;
        Directory.CreateDirectory(outDirectory);
        string modelPath = Path.Combine(outDirectory, ModelFileName);
        string resumable = Path.Combine(outDirectory, CheckpointFolderName);
        string monitor = perEpoch is null ? "loss" : "val_loss";
        var metadata = new ModelMetadata(classNames, preprocessing.ToMetadata());
        var checkpoint = new ModelCheckpoint(modelPath, monitor, saveBestOnly: true, metadata: metadata);
        var callbacks = new List<ICallback>();
        if (options.Patience > 0) callbacks.Add(new EarlyStopping(monitor, options.Patience, restoreBestWeights: true));
        callbacks.Add(checkpoint);
        callbacks.Add(new CsvLogger(Path.Combine(outDirectory, HistoryCsvFileName)));
        callbacks.Add(new JsonLogger(Path.Combine(outDirectory, HistoryJsonFileName)));

        using var adam = new Adam(network, options.LearningRate);
        output.WriteLine($"training {options.Epochs} epoch(s), batches of {options.BatchSize}, Adam lr {options.LearningRate:G}, seed {options.Seed}" +
            (options.Augment ? ", augmented (flip, rotation, shift, zoom)" : ""));
        IReadOnlyList<EpochResult> history = network.Fit(trainLoader, perEpoch, new FitOptions
        {
            Optimizer = adam,
            Epochs = options.Epochs,
            Seed = options.Seed,
            Progress = progress,
            Callbacks = callbacks,
            Log = output,
            CancellationToken = token,
            CheckpointDirectory = resumable,
            ResumeFrom = options.Resume ? resumable : null,
        });
        // The resumable checkpoint is only for a run that Ctrl+C stopped; this one has finished.
        if (Directory.Exists(resumable)) Directory.Delete(resumable, recursive: true);

        // Whether decoding kept up: the time the training step spent waiting for the loader's workers.
        double trainSeconds = history.Sum(h => h.Seconds);
        (TimeSpan waited, int waitedBatches) = trainLoader.Waited;
        output.WriteLine($"input pipeline: training waited {waited.TotalSeconds:F2} s for {waitedBatches} of {history.Count * trainLoader.BatchesPerEpoch} batches " +
            $"({waited.TotalSeconds / Math.Max(trainSeconds, 1e-9):P1} of {trainSeconds:F1} s of training, {options.Workers} decoding worker(s))");

        Evaluation? testResult = testLoader is null ? null : network.Evaluate(testLoader);
        if (testResult is not null)
            output.WriteLine($"test accuracy {testResult.Accuracy:P2}, test loss {testResult.Loss:F4} on {testResult.Count} images in {test!.Root}");

        string curves = Path.Combine(outDirectory, CurvesFileName);
        HistoryPlots.Save(history, curves);
        var pictures = new List<string> { curves };
        ConfusionMatrix? matrix = null;
        if (perEpoch is not null)
        {
            matrix = network.ConfusionMatrix(perEpoch, classNames);
            output.WriteLine($"confusion matrix on the {perEpochName} images (rows: true class, columns: predicted):");
            output.Write(matrix.ToString());
            string confusion = Path.Combine(outDirectory, ConfusionFileName);
            ConfusionMatrixPlot.Save(matrix, confusion);
            pictures.Add(confusion);
        }
        string? featureMaps = SaveFeatureMaps(network, validation ?? test ?? train, preprocessing, Path.Combine(outDirectory, FeatureMapsFileName));
        if (featureMaps is not null) pictures.Add(featureMaps);

        SkippedImage[] skipped = datasets.SelectMany(d => d.SkippedImages).ToArray();
        WriteSkipped(output, datasets, "in total");
        var report = new TrainReport
        {
            Data = train.Root,
            TestData = test?.Root,
            Network = options.Network,
            Architecture = choice.ArchitectureName,
            InputShape = [choice.Channels, choice.Size, choice.Size],
            ClassNames = classNames,
            TrainImages = train.Count,
            ValidationImages = validation?.Count,
            TestImages = test?.Count,
            SkippedFiles = skipped.Select(s => new TrainReport.SkippedFile(s.Path, s.Reason)).ToArray(),
            NormalizationMean = preprocessing.Normalization.Mean,
            NormalizationStd = preprocessing.Normalization.Std,
            Epochs = options.Epochs,
            EpochsRun = history.Count,
            BatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            Augment = options.Augment,
            Seed = options.Seed,
            BestModel = checkpoint.LastSaved,
            BestEpoch = checkpoint.LastSavedEpoch,
            Monitor = monitor,
            TestAccuracy = testResult?.Accuracy,
            TestLoss = testResult?.Loss,
            ConfusionMatrixAccuracy = matrix?.Accuracy,
            Seconds = clock.Elapsed.TotalSeconds,
            TrainSeconds = trainSeconds,
            TrainWaitedForDataSeconds = waited.TotalSeconds,
            TrainBatchesWaitedFor = waitedBatches,
            Pictures = pictures,
        };
        string reportPath = Path.Combine(outDirectory, ReportFileName);
        AtomicFile.WriteAllText(reportPath, JsonSerializer.Serialize(report, ReportJsonContext.Default.TrainReport));

        output.WriteLine($"best model (epoch {checkpoint.LastSavedEpoch}, lowest {monitor}): {checkpoint.LastSaved}");
        output.WriteLine($"history: {Path.Combine(outDirectory, HistoryCsvFileName)}, {Path.Combine(outDirectory, HistoryJsonFileName)}; report: {reportPath}");
        output.WriteLine($"pictures: {string.Join(", ", pictures)}");
        return 0;
    }

    /// <summary>Lists the files left out under --bad-images skip.</summary>
    private static void WriteSkipped(TextWriter output, IEnumerable<ImageFolderDataset> datasets, string when)
    {
        SkippedImage[] skipped = datasets.SelectMany(d => d.SkippedImages).ToArray();
        output.WriteLine($"skipped {skipped.Length} unreadable file(s) {when}");
        foreach (SkippedImage image in skipped) output.WriteLine($"  skipped '{image.Path}': {image.Reason}");
    }

    /// <summary>
    /// Draws the first convolution's feature maps for the first image of <paramref name="data"/> that
    /// decodes; returns the picture's path, or null when no image decodes.
    /// </summary>
    private static string? SaveFeatureMaps(INetwork network, ImageFolderDataset data, Preprocessing preprocessing, string path)
    {
        int layer = network.Layers.ToList().FindIndex(l => l.Kind == "Conv2d");
        if (layer < 0) return null;
        for (int index = 0; index < data.Count; index++)
        {
            if (data.Load(index) is not { } image) continue;
            var random = new SeededRandom(0);
            Prediction prediction = network.Predict(preprocessing.Evaluation.Apply(image, ref random).Data, data.ClassNames);
            LayerInfo info = network.Layers[layer];
            TensorShape shape = info.OutputShape;
            var maps = new float[shape.Size];
            network.Backend.Download(network.LayerOutput(layer, 1), maps);
            string title = $"{info.Name}: {shape.Channels} feature maps of {Path.GetFileName(data.GetPath(index))} " +
                $"({data.ClassNames[data.GetLabel(index)]}; predicted {prediction.ClassName}, {prediction.Confidence:P0})";
            FeatureMapGrid.Save(maps, shape.Channels, shape.Height, shape.Width, path, title);
            return path;
        }
        return null;
    }
}

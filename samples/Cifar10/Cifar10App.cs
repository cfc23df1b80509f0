using System.Diagnostics;
using System.Text.Json;
using Cnn;
using Cnn.Data;
using Cnn.IO;
using Cnn.Models;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cifar10Sample;

/// <summary>
/// Trains <see cref="CifarAlexNet"/> on the CIFAR-10 binary batches the user supplies, as the PyTorch
/// reference does (cross-entropy, SGD with learning rate 0.008), evaluates it on the test batch and
/// optionally writes a JSON report.
/// </summary>
public static class Cifar10App
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        usage: Cifar10 --data DIR [options]
          --data DIR         folder with CIFAR-10's binary batches: data_batch_1.bin ... data_batch_5.bin and
                             test_batch.bin (cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html);
                             batches.meta.txt, if there, gives the class names
          --optimizer NAME   sgd (default, as the PyTorch reference) or adam
          --lr X             learning rate (default 0.008 for sgd, 0.001 for adam)
          --momentum X       SGD momentum (default 0, as the reference)
          --epochs N         training epochs (default 2)
          --batch-size N     samples per step (default 64)
          --limit N          train on the first N training images only
          --test-limit N     evaluate on the first N test images only
          --seed N           seed for initialisation and shuffling (default 1)
          --report FILE      write a JSON report

        A batch file that is not a whole number of 3073-byte records (truncated), or a record whose label
        is not 0-9, stops the run before training with an error that names the file, the record and its
        byte offset; a missing file is named too. Exit codes: 0 done, 1 bad data, 2 bad arguments, 130 cancelled.
        """;

    /// <summary>Runs the sample with <paramref name="args"/>; returns the process exit code.</summary>
    /// <param name="args">The options.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="token">Stops training after the current batch (Ctrl+C in the console).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken token = default)
    {
        Cifar10Options options;
        try
        {
            options = Cifar10Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            error.WriteLine(Usage);
            return 2;
        }
        if (options.Help)
        {
            output.WriteLine(Usage);
            return 0;
        }

        try
        {
            return Train(options, output, token);
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException or TrainingDivergedException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (TrainingCanceledException e)
        {
            error.WriteLine($"Cancelled in epoch {e.Epoch}.");
            return 130;
        }
    }

    private static int Train(Cifar10Options options, TextWriter output, CancellationToken token)
    {
        string directory = options.DataDirectory!;
        ImageDataset train = Cifar10.Load(directory, train: true, limit: options.Limit);
        ImageDataset test = Cifar10.Load(directory, train: false, limit: options.TestLimit);
        Normalization normalization = train.ComputeNormalization();
        output.WriteLine($"CIFAR-10 from {directory}: {train.Count:N0} training and {test.Count:N0} test images; {normalization}");

        using var network = new CifarAlexNet(maxBatchSize: Math.Max(options.BatchSize, 256), seed: options.Seed);
        output.WriteLine(CifarAlexNet.Summary);
        float learningRate = options.EffectiveLearningRate;
        using Optimizer optimizer = options.Optimizer == "adam"
            ? new Adam(network, learningRate)
            : new Sgd(network, learningRate, options.Momentum);
        output.WriteLine($"training {options.Epochs} epoch(s), batches of {options.BatchSize}, {optimizer.GetType().Name} lr {learningRate:G}" +
            (options.Momentum > 0 ? $" momentum {options.Momentum:G}" : "") + $", seed {options.Seed}");

        var clock = Stopwatch.StartNew();
        IReadOnlyList<EpochResult> history = network.Fit(train, validation: null, new FitOptions
        {
            Optimizer = optimizer,
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Normalization = normalization,
            Seed = options.Seed,
            Progress = new ConsoleProgress(ReferenceEquals(output, Console.Out) ? null : output),
            Log = output,
            CancellationToken = token,
        });
        double trainSeconds = clock.Elapsed.TotalSeconds;

        Evaluation evaluation = network.Evaluate(test, batchSize: 256, normalization);
        output.WriteLine($"test accuracy {evaluation.Accuracy:P2}, test loss {evaluation.Loss:F4} on {evaluation.Count:N0} images; trained in {trainSeconds:F1}s");

        if (options.ReportPath is not null)
        {
            var report = new Dictionary<string, object>
            {
                ["model"] = network.ArchitectureName,
                ["test_accuracy"] = evaluation.Accuracy,
                ["test_loss"] = evaluation.Loss,
                ["test_images"] = evaluation.Count,
                ["train_images"] = train.Count,
                ["optimizer"] = options.Optimizer,
                ["learning_rate"] = learningRate,
                ["momentum"] = options.Momentum,
                ["epochs"] = options.Epochs,
                ["batch_size"] = options.BatchSize,
                ["seed"] = options.Seed,
                ["normalization_mean"] = normalization.Mean,
                ["normalization_std"] = normalization.Std,
                ["train_seconds"] = trainSeconds,
                ["history"] = JsonDocument.Parse(HistoryFile.FormatJson(history)).RootElement,
            };
            AtomicFile.WriteAllText(options.ReportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            output.WriteLine($"report written to {options.ReportPath}");
        }
        return 0;
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
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
    /// <summary>Runs the sample with <paramref name="args"/>; returns the process exit code.</summary>
    /// <param name="args">The options.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="token">Stops training after the current batch (Ctrl+C in the console).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken token = default)
    {
        ParseResult parsed = Cifar10Command.Create(options => Train(options, output, error, token)).Parse(args);
        int exit = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        // System.CommandLine exits with 1 on a parse error; this sample keeps 1 for bad data.
        return parsed.Action is ParseErrorAction ? 2 : exit;
    }

    private static int Train(Cifar10Options options, TextWriter output, TextWriter error, CancellationToken token)
    {
        try
        {
            return TrainAndReport(options, output, token);
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

    private static int TrainAndReport(Cifar10Options options, TextWriter output, CancellationToken token)
    {
        string directory = options.DataDirectory;
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
            var report = new Cifar10Report(network.ArchitectureName, evaluation.Accuracy, evaluation.Loss, evaluation.Count, train.Count,
                options.Optimizer, learningRate, options.Momentum, options.Epochs, options.BatchSize, options.Seed,
                normalization.Mean, normalization.Std, trainSeconds, JsonDocument.Parse(HistoryFile.FormatJson(history)).RootElement);
            AtomicFile.WriteAllText(options.ReportPath, JsonSerializer.Serialize(report, ReportJsonContext.Default.Cifar10Report));
            output.WriteLine($"report written to {options.ReportPath}");
        }
        return 0;
    }
}

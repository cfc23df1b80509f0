using Cnn.Data;
using Cnn.IO;
using Cnn.Training;
using ImageFolderSample.Networks;

namespace ImageFolderSample;

/// <summary>The sample's commands, <c>train</c> and <c>predict</c>, with their usage text.</summary>
public static class ImageFolderApp
{
    /// <summary>The usage text.</summary>
    public static string Usage { get; } = $"""
        usage: ImageFolder train DATA_DIR [options]
               ImageFolder predict MODEL IMAGE [--top 5]

        train: trains a classifier on DATA_DIR/<class>/<image> (PNG, JPEG or BMP, nested folders allowed),
        one sub-folder per class, and writes to --out: {TrainCommand.ModelFileName} (the epoch with the lowest
        validation loss, class names and normalisation in its metadata), {TrainCommand.HistoryCsvFileName},
        {TrainCommand.HistoryJsonFileName}, {TrainCommand.ReportFileName}, {TrainCommand.CurvesFileName} (loss and accuracy), {TrainCommand.ConfusionFileName}
        (on the validation split) and {TrainCommand.FeatureMapsFileName} (the first convolution on one validation image).
          --size N             images are resized (squashed, not cropped) to N×N: {string.Join(", ", NetworkCatalog.SizesOf("catsdogs"))} (default 128)
          --network NAME       {string.Join("\n                       ", NetworkCatalog.Bodies.Select(b => $"{b.Key}: {b.Description}, --size {string.Join("|", NetworkCatalog.SizesOf(b.Key))}"))}
                               (default catsdogs)
          --grayscale          read images as one channel (default: three, RGB)
          --epochs N           training epochs (default 10)
          --batch-size N       images per step (default 32)
          --lr X               Adam learning rate (default 0.001)
          --augment            random flip, ±10° rotation, ±10% shift and 90-110% zoom of training images
          --validation F       fraction of each class held out for validation, seeded (default 0.2; 0 for none)
          --test DIR           also evaluate on a separate folder with the same class sub-folders; without a
                               validation split it is evaluated after every epoch and picks the best model
          --seed N             seed of the split, initialisation, shuffling and augmentation (default 42)
          --bad-images POLICY  fail (default): stop at the first unreadable image, naming it;
                               skip: leave unreadable images out, and list them
          --patience N         stop after N epochs without a better validation loss, keeping the best weights
          --workers N          threads that decode and augment images (default 2)
          --resume             continue the run in --out that Ctrl+C stopped (give the same options)
          --out DIR            where to write the run (default runs/<name of DATA_DIR>)

        A network's input shape and class count are fixed when it is compiled, so the sample declares each
        network for every size it supports, in RGB and greyscale, with heads of 2, 10 and 101 classes
        (Networks/Declarations.cs). A data set trains the smallest head that holds its classes; the unused
        outputs are never a target and are left out of predictions.

        predict: prints the --top most probable classes of IMAGE, with the class names, input size and
        normalisation read from MODEL (a {TrainCommand.ModelFileName} written by train).
        """;

    /// <summary>Runs the command in <paramref name="args"/>; returns the process exit code (0 done, 1 failed, 2 bad arguments, 130 cancelled).</summary>
    /// <param name="args">The command and its arguments.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="token">Stops training after the current batch (Ctrl+C in the console).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken token = default)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? error : output).WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        TrainOptions? train = null;
        PredictOptions? predict = null;
        try
        {
            if (args[0] == "train") train = TrainOptions.Parse(args[1..]);
            else if (args[0] == "predict") predict = PredictOptions.Parse(args[1..]);
            else throw new ArgumentException($"Unknown command '{args[0]}'; use train or predict.");
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            error.WriteLine("Run with --help for the options.");
            return 2;
        }

        try
        {
            if (predict is not null) return PredictCommand.Run(predict, output);
            // A console redraws the progress line in place; other writers get a line per tenth of an epoch.
            var progress = ReferenceEquals(output, Console.Out) ? new ConsoleProgress() : new ConsoleProgress(output);
            return TrainCommand.Run(train!, output, progress, token);
        }
        catch (TrainingCanceledException e)
        {
            error.WriteLine($"Cancelled in epoch {e.Epoch}; the best model so far and the history of the finished epochs are in {train!.Out}; " +
                "run the same command with --resume to continue.");
            return 130;
        }
        catch (Exception e) when (e is ImageDecodeException or DataFormatException or InvalidDataException or IOException
            or UnauthorizedAccessException or ModelFormatException or SafeTensorsFormatException or TrainingDivergedException or ArgumentException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}

using System.CommandLine;
using System.CommandLine.Invocation;
using Cnn.Data;
using Cnn.IO;
using Cnn.Training;
using ImageFolderSample.Networks;

namespace ImageFolderSample;

/// <summary>The sample's commands, <c>train</c> and <c>predict</c>.</summary>
public static class ImageFolderApp
{
    /// <summary>Runs the command in <paramref name="args"/>; returns the process exit code (0 done, 1 failed, 2 bad arguments, 130 cancelled).</summary>
    /// <param name="args">The command and its arguments.</param>
    /// <param name="output">Where progress and results go.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="token">Stops training after the current batch (Ctrl+C in the console).</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken token = default)
    {
        var command = new RootCommand("Trains an image classifier on a folder of class sub-folders, and classifies images with the model it writes.")
        {
            TrainCommandLine.Create(options => Train(options, output, error, token)),
            PredictCommandLine.Create(options => Predict(options, output, error)),
        };
        // `ImageFolder help` as well as --help.
        ParseResult parsed = command.Parse(args is ["help"] ? ["--help"] : args);
        int exit = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        // System.CommandLine exits with 1 on a parse error; this sample keeps 1 for a failed run.
        return parsed.Action is ParseErrorAction ? 2 : exit;
    }

    private static int Predict(PredictOptions options, TextWriter output, TextWriter error)
    {
        try
        {
            return PredictCommand.Run(options, output);
        }
        catch (Exception e) when (IsFailure(e))
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static int Train(TrainOptions options, TextWriter output, TextWriter error, CancellationToken token)
    {
        try
        {
            // A console redraws the progress line in place; other writers get a line per tenth of an epoch.
            var progress = ReferenceEquals(output, Console.Out) ? new ConsoleProgress() : new ConsoleProgress(output);
            return TrainCommand.Run(options, output, progress, token);
        }
        catch (TrainingCanceledException e)
        {
            error.WriteLine($"Cancelled in epoch {e.Epoch}; the best model so far and the history of the finished epochs are in {options.Out}; " +
                "run the same command with --resume to continue.");
            return 130;
        }
        catch (Exception e) when (IsFailure(e))
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The failures a run reports in one line with exit code 1: bad images, data or model files, and divergence.</summary>
    private static bool IsFailure(Exception e) => e is ImageDecodeException or DataFormatException or InvalidDataException or IOException
        or UnauthorizedAccessException or ModelFormatException or SafeTensorsFormatException or TrainingDivergedException or ArgumentException;
}

using System.CommandLine;
using Cnn.Data;
using ImageFolderSample.Networks;

namespace ImageFolderSample;

/// <summary>The <c>train DATA_DIR [options]</c> command line, declared with System.CommandLine: options, their checks and the help text.</summary>
internal static class TrainCommandLine
{
    private static string Description => $"""
        Trains a classifier on DATA_DIR/<class>/<image> (PNG, JPEG or BMP, nested folders allowed), one
        sub-folder per class, and writes to --out: {TrainCommand.ModelFileName} (the epoch with the lowest
        validation loss, class names and normalisation in its metadata), {TrainCommand.HistoryCsvFileName},
        {TrainCommand.HistoryJsonFileName}, {TrainCommand.ReportFileName}, {TrainCommand.CurvesFileName} (loss and accuracy),
        {TrainCommand.ConfusionFileName} (on the validation split) and {TrainCommand.FeatureMapsFileName} (the first
        convolution on one validation image).

        A network's input shape and class count are fixed when it is compiled, so the sample declares each
        network for every size it supports, in RGB and greyscale, with heads of 2, 10 and 101 classes
        (Networks/Declarations.cs). A data set trains the smallest head that holds its classes; the unused
        outputs are never a target and are left out of predictions.
        """;

    /// <summary>The <c>train</c> command; its action calls <paramref name="train"/> with the parsed options.</summary>
    public static Command Create(Func<TrainOptions, int> train)
    {
        var defaults = new TrainOptions { DataDirectory = "" };
        var data = new Argument<string>("DATA_DIR") { Description = "The folder with one sub-folder of images per class" };
        var size = new Option<int>("--size")
        {
            Description = "Images are resized (squashed, not cropped) to N×N; the sizes each network is declared for are listed under --network",
            HelpName = "N",
            DefaultValueFactory = _ => defaults.Size,
            CustomParser = OptionValues.Positive,
        };
        var network = new Option<string>("--network")
        {
            Description = string.Join("; ", NetworkCatalog.Bodies.Select(b => $"{b.Key}: {b.Description}, --size {string.Join("|", NetworkCatalog.SizesOf(b.Key))}")),
            HelpName = "NAME",
            DefaultValueFactory = _ => defaults.Network,
        };
        network.CompletionSources.Add(NetworkCatalog.Bodies.Select(b => b.Key).ToArray());
        var grayscale = new Option<bool>("--grayscale") { Description = "Read images as one channel (default: three, RGB)" };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", HelpName = "N", DefaultValueFactory = _ => defaults.Epochs, CustomParser = OptionValues.Positive };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per step", HelpName = "N", DefaultValueFactory = _ => defaults.BatchSize, CustomParser = OptionValues.Positive };
        var learningRate = new Option<float>("--lr") { Description = "Adam learning rate", HelpName = "X", DefaultValueFactory = _ => defaults.LearningRate, CustomParser = OptionValues.PositiveSingle };
        var augment = new Option<bool>("--augment") { Description = "Random flip, ±10° rotation, ±10% shift and 90-110% zoom of training images" };
        var validation = new Option<double>("--validation")
        {
            Description = "Fraction of each class held out for validation, seeded (0 for none)",
            HelpName = "F",
            DefaultValueFactory = _ => defaults.Validation,
            CustomParser = OptionValues.Fraction,
        };
        var test = new Option<string>("--test")
        {
            Description = "Also evaluate on a separate folder with the same class sub-folders; without a validation split it is " +
                "evaluated after every epoch and picks the best model",
            HelpName = "DIR",
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the split, initialisation, shuffling and augmentation", HelpName = "N", DefaultValueFactory = _ => defaults.Seed, CustomParser = OptionValues.Seed };
        var badImages = new Option<string>("--bad-images")
        {
            Description = "fail: stop at the first unreadable image, naming it; skip: leave unreadable images out, and list them",
            HelpName = "POLICY",
            DefaultValueFactory = _ => "fail",
        };
        badImages.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not ("skip" or "fail")) result.AddError($"--bad-images takes skip or fail, not '{value}'.");
        });
        badImages.CompletionSources.Add("skip", "fail");
        var patience = new Option<int>("--patience") { Description = "Stop after N epochs without a better validation loss, keeping the best weights", HelpName = "N", CustomParser = OptionValues.NonNegative };
        var workers = new Option<int>("--workers") { Description = "Threads that decode and augment images", HelpName = "N", DefaultValueFactory = _ => defaults.Workers, CustomParser = OptionValues.Positive };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out that Ctrl+C stopped (give the same options)" };
        var output = new Option<string>("--out") { Description = "Where to write the run (default runs/<name of DATA_DIR>)", HelpName = "DIR" };

        var command = new Command("train", Description)
        {
            data, size, network, grayscale, epochs, batchSize, learningRate, augment, validation, test, seed, badImages, patience, workers, resume, output,
        };
        command.Validators.Add(result =>
        {
            // Checks across options run before the options' own parsers and defaults: read what was typed, and
            // leave a --size that does not parse to its own error.
            string networkValue = result.GetResult(network) is { Tokens: [.., var name] } ? name.Value : defaults.Network;
            int sizeValue = defaults.Size;
            if (result.GetResult(size) is { Tokens: [.., var typed] } && !OptionValues.TryPositive(typed.Value, out sizeValue)) return;
            try
            {
                NetworkCatalog.CheckSize(networkValue, sizeValue);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
        command.SetAction(result => train(new TrainOptions
        {
            DataDirectory = result.GetRequiredValue(data),
            Size = result.GetValue(size),
            Network = result.GetRequiredValue(network),
            Grayscale = result.GetValue(grayscale),
            Epochs = result.GetValue(epochs),
            BatchSize = result.GetValue(batchSize),
            LearningRate = result.GetValue(learningRate),
            Augment = result.GetValue(augment),
            Validation = result.GetValue(validation),
            TestDirectory = result.GetValue(test),
            Seed = result.GetValue(seed),
            BadImages = result.GetValue(badImages) == "skip" ? BadImagePolicy.Skip : BadImagePolicy.Fail,
            Patience = result.GetValue(patience),
            Workers = result.GetValue(workers),
            Resume = result.GetValue(resume),
            OutDirectory = result.GetValue(output),
        }));
        return command;
    }
}

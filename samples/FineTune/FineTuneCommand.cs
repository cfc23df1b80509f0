using System.CommandLine;
using System.CommandLine.Parsing;

namespace FineTuneSample;

/// <summary>The sample's command line, declared with System.CommandLine.</summary>
internal static class FineTuneCommand
{
    /// <summary>The root command; its action calls <paramref name="run"/> with the parsed options and returns its exit code.</summary>
    public static RootCommand Create(Func<FineTuneOptions, int> run)
    {
        var defaults = new FineTuneOptions();
        var data = new Option<string>("--data") { Description = "Folder with the Fashion-MNIST idx files", HelpName = "DIR", DefaultValueFactory = _ => defaults.DataDirectory };
        var limit = new Option<int?>("--limit") { Description = "Read only the first N training images", HelpName = "N", CustomParser = r => Positive(r) };
        var testLimit = new Option<int?>("--test-limit") { Description = "Read only the first N test images", HelpName = "N", CustomParser = r => Positive(r) };
        var baseEpochs = new Option<int>("--base-epochs") { Description = "Epochs of the base network on classes 0-4", HelpName = "N", DefaultValueFactory = _ => defaults.BaseEpochs, CustomParser = Positive };
        var steps = new Option<int>("--steps") { Description = "Steps of the head, and of the network from scratch, on classes 5-9", HelpName = "N", DefaultValueFactory = _ => defaults.Steps, CustomParser = Positive };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per step", HelpName = "N", DefaultValueFactory = _ => defaults.BatchSize, CustomParser = Positive };
        var learningRate = new Option<float>("--lr") { Description = "Adam learning rate", HelpName = "X", DefaultValueFactory = _ => defaults.LearningRate };
        var headLearningRate = new Option<float>("--head-lr") { Description = "Adam learning rate of the new head over the frozen body", HelpName = "X", DefaultValueFactory = _ => defaults.HeadLearningRate };
        var seed = new Option<ulong>("--seed") { Description = "Seed for initialisation and shuffling", HelpName = "N", DefaultValueFactory = _ => defaults.Seed };
        var output = new Option<string>("--out") { Description = "Folder for the base network's file (default: a temporary folder)", HelpName = "DIR" };
        var time = new Option<int>("--time-steps") { Description = "Also time N training steps with the body frozen and trainable, side by side", HelpName = "N" };
        var command = new RootCommand("""
            Fine-tuning without a download: trains the PyTorch MNIST tutorial network on Fashion-MNIST
            classes 0-4 and saves it; loads its body non-strictly into a network with a new head for
            classes 5-9, freezes the body and trains the head; compares the accuracy with the same
            network trained from scratch for as many steps, and checks the frozen body bit for bit.
            """)
        {
            data, limit, testLimit, baseEpochs, steps, batchSize, learningRate, headLearningRate, seed, output, time,
        };
        command.SetAction(result => run(new FineTuneOptions
        {
            DataDirectory = result.GetValue(data)!,
            Limit = result.GetValue(limit),
            TestLimit = result.GetValue(testLimit),
            BaseEpochs = result.GetValue(baseEpochs),
            Steps = result.GetValue(steps),
            BatchSize = result.GetValue(batchSize),
            LearningRate = result.GetValue(learningRate),
            HeadLearningRate = result.GetValue(headLearningRate),
            Seed = result.GetValue(seed),
            OutputDirectory = result.GetValue(output),
            TimeSteps = result.GetValue(time),
        }));
        return command;
    }

    private static int Positive(ArgumentResult result)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, out int value) && value > 0) return value;
        result.AddError($"'{text}' is not a positive whole number.");
        return 1;
    }
}

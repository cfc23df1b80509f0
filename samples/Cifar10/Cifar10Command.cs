using System.CommandLine;

namespace Cifar10Sample;

/// <summary>The sample's command line, declared with System.CommandLine: options, their checks and the help text.</summary>
internal static class Cifar10Command
{
    private const string Description = """
        Trains CifarAlexNet on the CIFAR-10 binary batches you supply, as the PyTorch reference does
        (cross-entropy, SGD with learning rate 0.008), evaluates it on the test batch and optionally
        writes a JSON report.

        A batch file that is not a whole number of 3073-byte records (truncated), or a record whose label
        is not 0-9, stops the run before training with an error that names the file, the record and its
        byte offset; a missing file is named too. Exit codes: 0 done, 1 bad data, 2 bad arguments, 130 cancelled.
        """;

    /// <summary>The root command; its action calls <paramref name="train"/> with the parsed options and returns its exit code.</summary>
    public static RootCommand Create(Func<Cifar10Options, int> train)
    {
        var data = new Option<string>("--data")
        {
            Description = "Folder with CIFAR-10's binary batches: data_batch_1.bin ... data_batch_5.bin and test_batch.bin " +
                "(cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html); batches.meta.txt, if there, gives the class names",
            HelpName = "DIR",
            Required = true,
        };
        var optimizer = new Option<string>("--optimizer")
        {
            Description = "sgd (as the PyTorch reference) or adam",
            HelpName = "NAME",
            DefaultValueFactory = _ => "sgd",
        };
        optimizer.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not ("sgd" or "adam")) result.AddError($"--optimizer takes sgd or adam, not '{value}'.");
        });
        optimizer.CompletionSources.Add("sgd", "adam");
        var learningRate = new Option<float?>("--lr")
        {
            Description = "Learning rate (default 0.008 for sgd, 0.001 for adam)",
            HelpName = "X",
            CustomParser = result => OptionValues.PositiveSingle(result),
        };
        var momentum = new Option<float>("--momentum")
        {
            Description = "SGD momentum, in [0, 1) (0 as the reference)",
            HelpName = "X",
            CustomParser = result =>
            {
                float value = OptionValues.Fraction(result);
                if (value > 0 && result.GetValue(optimizer) != "sgd") result.AddError("--momentum is for --optimizer sgd.");
                return value;
            },
        };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs", HelpName = "N", DefaultValueFactory = _ => 2, CustomParser = OptionValues.Positive };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per step", HelpName = "N", DefaultValueFactory = _ => 64, CustomParser = OptionValues.Positive };
        var limit = new Option<int?>("--limit") { Description = "Train on the first N training images only", HelpName = "N", CustomParser = result => OptionValues.Positive(result) };
        var testLimit = new Option<int?>("--test-limit") { Description = "Evaluate on the first N test images only", HelpName = "N", CustomParser = result => OptionValues.Positive(result) };
        var seed = new Option<ulong>("--seed") { Description = "Seed for initialisation and shuffling", HelpName = "N", DefaultValueFactory = _ => 1, CustomParser = OptionValues.Seed };
        var report = new Option<string>("--report") { Description = "Write a JSON report to FILE", HelpName = "FILE" };

        var command = new RootCommand(Description) { data, optimizer, learningRate, momentum, epochs, batchSize, limit, testLimit, seed, report };
        command.SetAction(result => train(new Cifar10Options
        {
            DataDirectory = result.GetRequiredValue(data),
            Optimizer = result.GetRequiredValue(optimizer),
            LearningRate = result.GetValue(learningRate),
            Momentum = result.GetValue(momentum),
            Epochs = result.GetValue(epochs),
            BatchSize = result.GetValue(batchSize),
            Limit = result.GetValue(limit),
            TestLimit = result.GetValue(testLimit),
            Seed = result.GetValue(seed),
            ReportPath = result.GetValue(report),
        }));
        return command;
    }
}

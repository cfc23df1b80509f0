using System.CommandLine;
using System.CommandLine.Invocation;
using Cnn.Data;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Training;
using CnnClassifier;

ParseResult parsed = Options.Create(Train).Parse(args);
int exit = parsed.Invoke();
// System.CommandLine exits with 1 on a parse error; 2 is the usual code for bad arguments.
return parsed.Action is ParseErrorAction ? 2 : exit;

static int Train(Options options)
{
    ImageDataset train, test;
    Normalization? normalization = null;
    if (options.Synthetic is int count)
    {
        (train, test) = SyntheticData.Create(count, options.Seed).Split(count * 4 / 5);
    }
    else
    {
        train = FashionMnist.Load(options.DataDirectory!, train: true);
        test = FashionMnist.Load(options.DataDirectory!, train: false);
        normalization = Normalization.FashionMnist;
    }
    Console.WriteLine($"{train.Count:N0} training and {test.Count:N0} test images");

    using var net = new ClassifierNet(maxBatchSize: Math.Max(options.BatchSize, 256), seed: options.Seed);
    Console.WriteLine(ClassifierNet.Summary);
    using var optimizer = new Adam(net, options.LearningRate);
    var history = net.Fit(train, validation: null, new FitOptions
    {
        Optimizer = optimizer,
        Epochs = options.Epochs,
        BatchSize = options.BatchSize,
        Normalization = normalization,
        Seed = options.Seed,
        Progress = new ConsoleProgress(),
    });
    Evaluation evaluation = net.Evaluate(test, batchSize: 256, normalization);
    Console.WriteLine($"epoch {history.Count}: train loss {history[^1].Loss:F4}, test accuracy {evaluation.Accuracy:P1}");
    ModelFile.Save(net, options.Output, new ModelMetadata(train.ClassNames));
    Console.WriteLine($"saved {options.Output}");
    return 0;
}

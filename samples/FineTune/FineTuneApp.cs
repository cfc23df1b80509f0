using System.CommandLine;
using System.CommandLine.Invocation;
using Cnn;
using Cnn.Data;
using Cnn.IO;
using Cnn.Optimizers;
using Cnn.Training;
using FineTuneSample.Networks;

namespace FineTuneSample;

/// <summary>
/// The fine-tuning workflow on Fashion-MNIST, with no download: a base network on classes 0–4, its
/// body loaded non-strictly under a new head for classes 5–9 and frozen, the head trained, and the
/// result set against the same network trained from scratch for as many steps.
/// </summary>
public static class FineTuneApp
{
    /// <summary>Runs the sample with <paramref name="args"/>; returns the process exit code (1 when the frozen body changed).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parsed = FineTuneCommand.Create(options => Run(options, output, error)).Parse(args);
        int exit = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        return parsed.Action is ParseErrorAction ? 2 : exit;
    }

    private static int Run(FineTuneOptions options, TextWriter output, TextWriter error)
    {
        ImageDataset train, test;
        try
        {
            train = FashionMnist.Load(options.DataDirectory, train: true, limit: options.Limit);
            test = FashionMnist.Load(options.DataDirectory, train: false, limit: options.TestLimit);
        }
        catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
        ImageDataset baseTrain = ClassSubset.Of(train, 0, 5), baseTest = ClassSubset.Of(test, 0, 5);
        ImageDataset newTrain = ClassSubset.Of(train, 5, 5), newTest = ClassSubset.Of(test, 5, 5);
        output.WriteLine($"Fashion-MNIST from {options.DataDirectory}: classes 0-4 ({string.Join(", ", baseTrain.ClassNames)}) {baseTrain.Count:N0} training images; "
            + $"classes 5-9 ({string.Join(", ", newTrain.ClassNames)}) {newTrain.Count:N0}");
        int maxBatch = Math.Max(options.BatchSize, 256);

        // 1. The base network on classes 0-4, saved.
        string folder = options.OutputDirectory ?? Directory.CreateTempSubdirectory("cnn-finetune-").FullName;
        Directory.CreateDirectory(folder);
        string basePath = Path.Combine(folder, "base.safetensors");
        using (var baseNet = new BaseNet(maxBatch, seed: options.Seed))
        using (var adam = new Adam(baseNet, options.LearningRate))
        {
            baseNet.Fit(baseTrain, validation: null, Fit(adam, options, options.BaseEpochs));
            Evaluation evaluation = baseNet.Evaluate(baseTest, 256, Normalization.FashionMnist);
            ModelFile.Save(baseNet, basePath, new ModelMetadata(baseTrain.ClassNames));
            output.WriteLine($"base network: {options.BaseEpochs} epochs on classes 0-4, test accuracy {evaluation.Accuracy:P2}; saved to {basePath}");
        }

        // 2. The same body with a new head, loaded non-strictly; the body frozen, the head trained.
        ImageDataset steps = StepsOf(newTrain, options, out int epochs);
        int stepCount = epochs * ((steps.Count + options.BatchSize - 1) / options.BatchSize);
        using var fineTuned = new HeadNet(maxBatch, seed: options.Seed + 1);
        LoadResult loaded = ModelFile.Load(fineTuned, basePath, new LoadOptions { Strict = false });
        output.WriteLine($"loaded non-strictly: {loaded.Loaded.Count} tensors ({string.Join(", ", loaded.Loaded)}); "
            + $"missing {List(loaded.Missing)}; unexpected {List(loaded.Unexpected)}; shape mismatches {List(loaded.ShapeMismatched)}");
        int frozen = fineTuned.Freeze(BaseNet.Body);
        float[] bodyBefore = Download(fineTuned);
        double headAccuracy;
        using (var adam = new Adam(fineTuned, options.HeadLearningRate))
        {
            fineTuned.Fit(steps, validation: null, Fit(adam, options, epochs));
            headAccuracy = fineTuned.Evaluate(newTest, 256, Normalization.FashionMnist).Accuracy;
        }

        // 3. The same network from scratch, every parameter trained, for the same steps.
        double scratchAccuracy;
        using (var scratch = new HeadNet(maxBatch, seed: options.Seed + 1))
        using (var adam = new Adam(scratch, options.LearningRate))
        {
            scratch.Fit(steps, validation: null, Fit(adam, options, epochs));
            scratchAccuracy = scratch.Evaluate(newTest, 256, Normalization.FashionMnist).Accuracy;
        }
        output.WriteLine($"classes 5-9 after {stepCount} steps of {options.BatchSize}: fine-tuned head (body frozen, lr {options.HeadLearningRate}) test accuracy {headAccuracy:P2}; "
            + $"from scratch (lr {options.LearningRate}) {scratchAccuracy:P2}");

        // 4. The frozen body, bit for bit.
        float[] bodyAfter = Download(fineTuned);
        (int tensors, long values, string? changed) = CompareFrozen(fineTuned, bodyBefore, bodyAfter);
        if (changed is not null)
        {
            error.WriteLine($"error: the frozen body changed in training, starting with '{changed}'");
            return 1;
        }
        output.WriteLine($"frozen body: {frozen} parameters frozen; {tensors} tensors, {values:N0} values bit-for-bit unchanged");
        string tunedPath = Path.Combine(folder, "finetuned.safetensors");
        ModelFile.Save(fineTuned, tunedPath, new ModelMetadata(newTrain.ClassNames));
        output.WriteLine($"fine-tuned network saved to {tunedPath}");

        if (options.TimeSteps > 0) StepTiming.Compare(newTrain, options, output);
        return 0;
    }

    private static FitOptions Fit(Optimizer optimizer, FineTuneOptions options, int epochs) => new()
    {
        Optimizer = optimizer,
        Epochs = epochs,
        BatchSize = options.BatchSize,
        Normalization = Normalization.FashionMnist,
        Seed = options.Seed,
    };

    /// <summary>The images that make <see cref="FineTuneOptions.Steps"/> steps: the first Steps × BatchSize, or all of them for as many epochs as that takes.</summary>
    private static ImageDataset StepsOf(ImageDataset data, FineTuneOptions options, out int epochs)
    {
        long wanted = (long)options.Steps * options.BatchSize;
        if (wanted <= data.Count)
        {
            epochs = 1;
            return data.Take((int)wanted);
        }
        epochs = (int)((wanted + data.Count - 1) / data.Count);
        return data;
    }

    /// <summary>The frozen tensors compared bit for bit: how many, how many values, and the first that changed.</summary>
    private static (int Tensors, long Values, string? Changed) CompareFrozen(INetwork network, float[] before, float[] after)
    {
        int tensors = 0;
        long values = 0;
        for (int i = 0; i < network.ParameterInfos.Count; i++)
        {
            if (!network.FrozenParameters[i]) continue;
            ParameterInfo p = network.ParameterInfos[i];
            var range = new Range((int)p.Offset, (int)p.Offset + p.Length);
            // Compared as bits, so that -0 and 0 differ and a NaN equals itself only bit for bit.
            if (!System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(before.AsSpan(range))
                    .SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(after.AsSpan(range))))
                return (tensors, values, p.Name);
            tensors++;
            values += p.Length;
        }
        return (tensors, values, null);
    }

    private static float[] Download(INetwork network)
    {
        var values = new float[network.Parameters.Length];
        network.Backend.Download(network.Parameters, values);
        return values;
    }

    private static string List(IReadOnlyList<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);
}

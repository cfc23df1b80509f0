using System.Text.Json.Nodes;
using Cnn.Data;
using Cnn.Optimizers;
using Cnn.Training;

namespace Cnn.Runtime.Tests.Training;

/// <summary>A real resumable checkpoint of <see cref="PatternNet"/>, and edits of its <c>state.json</c>.</summary>
internal static class CheckpointFiles
{
    public static readonly ImageDataset Train = TrainingData.Patterns(40, 1); // 4 batches of 10

    public static FitOptions Options(Optimizer optimizer) => new() { Optimizer = optimizer, Epochs = 1, BatchSize = 10, Seed = 11 };

    /// <summary>Trains one epoch with an Adam optimizer into <paramref name="directory"/>: a checkpoint at epoch 2, 0 batches done, step 4.</summary>
    public static void Create(string directory)
    {
        using var network = new PatternNet(10, seed: 4);
        using var optimizer = new Adam(network, 0.02f);
        network.Fit(Train, null, Options(optimizer) with { CheckpointDirectory = directory, CheckpointEveryEpoch = true });
    }

    public static string StatePath(string directory) => Path.Combine(directory, TrainingCheckpoint.StateFileName);

    /// <summary>Rewrites <c>state.json</c> after <paramref name="edit"/> changed its JSON.</summary>
    public static void Edit(string directory, Action<JsonObject> edit)
    {
        string path = StatePath(directory);
        JsonObject state = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(state);
        File.WriteAllText(path, state.ToJsonString());
    }

    /// <summary>Parameters, buffers and the optimizer's state and step, to compare before and after a failed resume.</summary>
    public static float[] State(INetwork network, Optimizer optimizer)
    {
        var values = new List<float>(TrainingData.Parameters(network));
        if (network.BufferInfos.Count > 0)
        {
            float[] buffers = new float[network.Buffers.Length];
            network.Backend.Download(network.Buffers, buffers);
            values.AddRange(buffers);
        }
        foreach ((_, Tensor tensor) in optimizer.State)
        {
            float[] state = new float[tensor.Length];
            network.Backend.Download(tensor, state);
            values.AddRange(state);
        }
        values.Add(optimizer.Steps);
        values.Add(optimizer.LearningRate);
        return values.ToArray();
    }
}

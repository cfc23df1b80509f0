using Cnn.Optimizers;
using Microsoft.Extensions.Logging;

namespace Cnn.Training;

/// <summary>
/// What callbacks see of a running <see cref="Trainer.Fit(INetwork, Cnn.Data.ImageDataset, Cnn.Data.ImageDataset?, FitOptions)"/>:
/// the network and optimizer, where training is, the history so far, and the way to stop it
/// (Keras's <c>model.stop_training</c>).
/// </summary>
public sealed class TrainingContext
{
    private readonly List<EpochResult> _history;

    internal TrainingContext(INetwork network, Optimizer optimizer, FitOptions options, int batchesPerEpoch, int batchSize, bool hasValidation, List<EpochResult> history)
    {
        Network = network;
        Optimizer = optimizer;
        Options = options;
        Epochs = options.Epochs;
        BatchesPerEpoch = batchesPerEpoch;
        BatchSize = batchSize;
        HasValidation = hasValidation;
        _history = history;
        InitialLearningRate = optimizer.LearningRate;
    }

    /// <summary>The network being trained.</summary>
    public INetwork Network { get; }

    /// <summary>The optimizer, whose learning rate callbacks may change between steps.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The options Fit was called with.</summary>
    public FitOptions Options { get; }

    /// <summary>The epoch training stops after, unless stopped earlier.</summary>
    public int Epochs { get; }

    /// <summary>Steps per epoch (on each rank, in a data-parallel run).</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Samples per step on each rank.</summary>
    public int BatchSize { get; }

    /// <summary>Whether a validation set was given, so that <c>val_loss</c> and <c>val_accuracy</c> can be monitored.</summary>
    public bool HasValidation { get; }

    /// <summary>The current epoch, from 1; after training, the last one started.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Batches trained on over the whole run, resumed runs included: the number of the last step.</summary>
    public long Step { get; internal set; }

    /// <summary>
    /// The optimizer's learning rate when the run first started (kept across resumes): the base
    /// that schedules scale, as PyTorch's <c>initial_lr</c>.
    /// </summary>
    public double InitialLearningRate { get; internal set; }

    /// <summary>One row per finished epoch, resumed epochs included.</summary>
    public IReadOnlyList<EpochResult> History => _history;

    /// <summary>True once a callback has asked training to stop.</summary>
    public bool StopTraining { get; private set; }

    /// <summary>Why training was stopped, as the first callback to stop it said.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Where training went wrong, set when a step's loss is not finite.</summary>
    public Divergence? Divergence { get; internal set; }

    /// <summary>Asks training to stop: after this epoch when called from OnEpochEnd, at once when called from OnBatchEnd.</summary>
    public void Stop(string reason)
    {
        StopTraining = true;
        StopReason ??= reason;
    }

    /// <summary>Writes a line to <see cref="FitOptions.Log"/> and a <see cref="TrainingEvents.TrainingNote"/> to <see cref="FitOptions.Logger"/>, where given.</summary>
    public void Log(string message)
    {
        Options.Log?.WriteLine(message);
        Options.Logger?.TrainingNote(message);
    }
}

using System.Diagnostics;
using Cnn.Data;
using Cnn.Distributed;
using Cnn.Losses;
using Cnn.Optimizers;
using Microsoft.Extensions.Logging;

namespace Cnn.Training;

/// <summary>
/// One call of Fit: the epoch and batch loops, the callbacks, divergence, cancellation with a
/// resumable checkpoint, and resuming from one. The step itself (<see cref="TrainingStep"/>) and
/// the callbacks' per-batch hook allocate nothing.
/// </summary>
internal sealed class TrainingRun
{
    private readonly INetwork _network;
    private readonly IBatchSource _train;
    private readonly IBatchSource? _validation;
    private readonly FitOptions _options;
    private readonly Optimizer _optimizer;
    private readonly ILoss _loss;
    private readonly List<ICallback> _callbacks;
    private readonly List<EpochResult> _history = [];
    private readonly TrainingContext _context;
    private readonly DataParallel? _parallel;

    // The unfinished epoch: what a checkpoint taken now must carry to reproduce its row.
    private int _batchesDone;
    private double _lossSum;
    private long _correct;
    private long _seen;
    private double _secondsBefore;

    public TrainingRun(INetwork network, IBatchSource train, IBatchSource? validation, FitOptions options)
    {
        if (options.Distributed is { WorldSize: > 1 } collectives)
        {
            _parallel = new DataParallel(network, collectives, options.GradientBucketBytes);
            // Only rank 0 reports, logs and saves; the others train in silence.
            if (collectives.Rank != 0) options = options with { Progress = null, Log = null, Logger = null, CheckpointDirectory = null, CheckpointEveryEpoch = false };
        }
        _network = network;
        _train = train;
        _validation = validation;
        _options = options;
        _optimizer = options.Optimizer;
        _loss = options.Loss ?? Loss.For(network);
        _callbacks = [];
        if (options.Progress is not null) _callbacks.Add(new ProgressReporter(options.Progress));
        if (options.Logger is not null) _callbacks.Add(new LoggerReporter(options.Logger));
        _callbacks.AddRange(options.Callbacks);
        _context = new TrainingContext(network, _optimizer, options, train.BatchesPerEpoch, train.BatchSize, validation is not null, _history);

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (IStatefulCallback stateful in _callbacks.OfType<IStatefulCallback>())
        {
            if (!keys.Add(stateful.StateKey))
                throw new ArgumentException($"Two callbacks keep state under '{stateful.StateKey}'; a checkpoint could not tell them apart.", nameof(options));
        }
    }

    public IReadOnlyList<EpochResult> Run()
    {
        using SingleThreadedUse.Scope use = SingleThreadedUse.Enter(_network, "Fit");
        // Claimed before anything is read or written, so a second trainer fails before it changes anything.
        using CheckpointLock? claim = _options.CheckpointDirectory is string claimed ? CheckpointLock.Acquire(claimed) : null;
        var step = new TrainingStep(_network, _loss, _optimizer, _parallel);
        int startEpoch = 1;
        if (_options.ResumeFrom is string directory) startEpoch = ResumeOnEveryRank(directory);
        _parallel?.BroadcastState(_network);

        _context.Epoch = startEpoch;
        foreach (ICallback callback in _callbacks) callback.OnTrainBegin(_context);

        float[] images = new float[_train.ImagesLength];
        float[] labels = new float[_train.BatchSize];
        CancellationToken token = _options.CancellationToken;
        IReadOnlyList<ICallback> callbacks = _callbacks;
        int batches = _train.BatchesPerEpoch;

        for (int epoch = startEpoch; epoch <= _options.Epochs && !_context.StopTraining; epoch++)
        {
            _context.Epoch = epoch;
            if (epoch != startEpoch || _batchesDone == 0) ResetEpochSums();
            for (int i = 0; i < callbacks.Count; i++) callbacks[i].OnEpochBegin(_context, epoch);

            double lastLearningRate = _optimizer.LearningRate;
            var clock = Stopwatch.StartNew();
            if (_batchesDone < batches)
            {
                _train.StartEpoch(epoch - 1);
                SkipTrainedBatches(images, labels);
                while (true)
                {
                    if (token.IsCancellationRequested) throw Cancel(epoch, clock);
                    if (!_train.TryNext(images, labels, out int count)) break;
                    lastLearningRate = _optimizer.LearningRate;
                    // Data-parallel, loss, correct and samples are those of all ranks; images holds this rank's count.
                    (float loss, int correct, int samples) = step.RunAll(images, labels, count);
                    _batchesDone++;
                    _context.Step++;
                    bool finite = float.IsFinite(loss);
                    if (finite)
                    {
                        _lossSum += loss * (double)samples;
                        _correct += correct;
                        _seen += samples;
                    }
                    else
                    {
                        _context.Divergence = Divergence.Diagnose(_network, images, count, epoch, _batchesDone, _context.Step, loss);
                    }
                    var result = new BatchResult(epoch, _batchesDone, batches, _context.Step, samples, loss, correct,
                        _seen == 0 ? double.NaN : _lossSum / _seen, _seen == 0 ? double.NaN : (double)_correct / _seen,
                        clock.Elapsed + TimeSpan.FromSeconds(_secondsBefore), _seen, lastLearningRate);
                    for (int i = 0; i < callbacks.Count; i++) callbacks[i].OnBatchEnd(_context, result);
                    if (!finite && !_context.StopTraining) throw new TrainingDivergedException(_context.Divergence!);
                    if (_context.StopTraining) break;
                }
            }
            clock.Stop();
            // A stop inside the epoch leaves it unrecorded, so no callback saves a half-trained epoch.
            if (_context.StopTraining) break;

            double seconds = _secondsBefore + clock.Elapsed.TotalSeconds;
            Evaluation? validated = null;
            if (_validation is not null)
            {
                validated = Trainer.EvaluateCore(_network, _validation, _loss, token);
                if (validated is null)
                {
                    _secondsBefore = seconds;
                    throw Cancel(epoch, clock: null);
                }
            }
            var epochResult = new EpochResult(epoch, _lossSum / _seen, (double)_correct / _seen, validated?.Loss, validated?.Accuracy,
                seconds, _seen / seconds, lastLearningRate);
            _history.Add(epochResult);
            ResetEpochSums();
            for (int i = 0; i < callbacks.Count; i++) callbacks[i].OnEpochEnd(_context, epochResult);
            if (_options.CheckpointEveryEpoch && _options.CheckpointDirectory is string every) SaveCheckpoint(every, epoch + 1);
        }

        foreach (ICallback callback in _callbacks) callback.OnTrainEnd(_context);
        // After every callback's OnTrainEnd, so that their notes (early stop, weights restored) come first.
        _options.Logger?.TrainingEnded(_context.Epoch, _context.StopReason ?? "all epochs done");
        // Rank 0 may still be saving the last checkpoint: no rank returns (and perhaps resumes from it) before it is written.
        _parallel?.Collectives.Barrier();
        return _history;
    }

    private void ResetEpochSums()
    {
        _batchesDone = 0;
        _lossSum = 0;
        _correct = 0;
        _seen = 0;
        _secondsBefore = 0;
    }

    /// <summary>Moves the source past the batches a resumed epoch already trained on: the same order, so the same batches.</summary>
    private void SkipTrainedBatches(float[] images, float[] labels)
    {
        for (int i = 0; i < _batchesDone; i++)
        {
            if (!_train.TryNext(images, labels, out _))
                throw new InvalidOperationException($"The checkpoint's epoch had {_batchesDone} batches done, but the training data has only {i} per epoch.");
        }
    }

    /// <summary>Saves the resumable checkpoint (if a directory was given) and builds the exception Fit throws.</summary>
    private TrainingCanceledException Cancel(int epoch, Stopwatch? clock)
    {
        if (clock is not null) _secondsBefore += clock.Elapsed.TotalSeconds;
        string? directory = _options.CheckpointDirectory;
        if (directory is not null && SaveCheckpoint(directory, epoch))
            _context.Log($"Cancelled in epoch {epoch} after {_batchesDone} batch(es); saved a resumable checkpoint to {directory}.");
        // Every rank cancels at this batch (or the others would wait in the next all-reduce); none returns before rank 0 has saved.
        _parallel?.Collectives.Barrier();
        return new TrainingCanceledException(_history.ToArray(), directory, epoch, _batchesDone, _options.CancellationToken);
    }

    /// <summary>Saves the resumable checkpoint; false, keeping the previous one, when the weights or optimizer state are not finite.</summary>
    private bool SaveCheckpoint(string directory, int epoch)
    {
        if ((NetworkValues.FirstProblem(_network) ?? OptimizerStateProblem()) is string problem)
        {
            _context.Log($"Epoch {epoch}: no checkpoint saved to {directory}: {_network.ArchitectureName}'s {problem}. " +
                "Weights that are not finite are never saved, so the checkpoint there (if any) stays the last good one.");
            return false;
        }
        (string model, string optimizer) = TrainingCheckpoint.FileNames(_context.Step);
        var checkpoint = new TrainingCheckpoint
        {
            Directory = directory,
            Architecture = _network.ArchitectureName,
            ModelPath = Path.Combine(directory, model),
            OptimizerPath = _optimizer.State.Count > 0 ? Path.Combine(directory, optimizer) : null,
            Optimizer = _optimizer.GetType().Name,
            Epoch = epoch,
            BatchesDone = _batchesDone,
            Step = _context.Step,
            OptimizerSteps = _optimizer.Steps,
            LearningRate = _optimizer.LearningRate,
            InitialLearningRate = _context.InitialLearningRate,
            Seed = _options.Seed,
            Dropout = _network.DropoutState,
            BatchSize = _train.BatchSize,
            BatchesPerEpoch = _train.BatchesPerEpoch,
            WorldSize = WorldSize,
            EpochLossSum = _lossSum,
            EpochCorrect = _correct,
            EpochSamples = _seen,
            EpochSeconds = _secondsBefore,
            History = _history.ToArray(),
            Callbacks = _callbacks.OfType<IStatefulCallback>().ToDictionary(c => c.StateKey, c => c.SaveState(), StringComparer.Ordinal),
        };
        checkpoint.Save(_network, _optimizer);
        return true;
    }

    private string? OptimizerStateProblem()
    {
        foreach ((string name, Tensor tensor) in _optimizer.State)
        {
            float[] values = new float[tensor.Length];
            _network.Backend.Download(tensor, values);
            int bad = NetworkValues.IndexOfNonFinite(values);
            if (bad >= 0) return FormattableString.Invariant($"optimizer state '{name}' holds {values[bad]} at index {bad}");
        }
        return null;
    }

    private int WorldSize => _parallel?.Collectives.WorldSize ?? 1;

    /// <summary>
    /// Restores the checkpoint on this rank, every rank reading the same directory (rank 0 wrote it;
    /// a shared file system is assumed). Data-parallel, the ranks then agree on the outcome in one
    /// all-reduce, so that when one rank fails to resume every rank throws, rather than the others
    /// waiting for it in the first collective.
    /// </summary>
    private int ResumeOnEveryRank(string directory)
    {
        if (_parallel is null) return Resume(directory);
        var before = new RestorePoint(_network, _optimizer);
        int epoch;
        try
        {
            epoch = Resume(directory);
        }
        catch
        {
            AgreeOnResume(failed: true);
            throw;
        }
        int failedRanks = AgreeOnResume(failed: false);
        if (failedRanks > 0)
        {
            before.Restore(_network, _optimizer);
            throw new InvalidOperationException($"Resuming from {directory} failed on {failedRanks} of {WorldSize} rank(s) (their own exceptions say why); " +
                $"rank {_parallel.Collectives.Rank} had resumed, and stops with them, its network as it was.");
        }
        return epoch;
    }

    /// <summary>The number of ranks whose resume failed.</summary>
    private int AgreeOnResume(bool failed)
    {
        Span<float> flag = [failed ? 1 : 0];
        _parallel!.Collectives.AllReduce(flag, ReduceOp.Sum);
        return (int)flag[0];
    }

    /// <summary>
    /// Restores a checkpoint; returns the epoch to continue. Everything is checked before the
    /// network changes, and anything that still fails after that puts the network and optimizer
    /// back as they were.
    /// </summary>
    private int Resume(string directory)
    {
        TrainingCheckpoint checkpoint = TrainingCheckpoint.Read(directory);
        if (checkpoint.WorldSize != WorldSize)
            throw new ArgumentException($"{Path.Combine(directory, TrainingCheckpoint.StateFileName)} was written by a run of {checkpoint.WorldSize} rank(s), " +
                $"but this run has {WorldSize}; resume with the same world size (each rank's shard and batch depend on it).", nameof(FitOptions.ResumeFrom));
        if (checkpoint.BatchesPerEpoch != _train.BatchesPerEpoch || checkpoint.BatchSize != _train.BatchSize)
            throw new ArgumentException($"The checkpoint in {directory} was made with batches of {checkpoint.BatchSize} and {checkpoint.BatchesPerEpoch} per epoch, " +
                $"but this run has batches of {_train.BatchSize} and {_train.BatchesPerEpoch} per epoch; resume with the same data and batch size.", nameof(FitOptions.ResumeFrom));
        if (checkpoint.Seed != _options.Seed)
            throw new ArgumentException($"The checkpoint in {directory} was made with seed {checkpoint.Seed}, not {_options.Seed}; resume with the same seed so the data order matches.", nameof(FitOptions.ResumeFrom));
        var before = new RestorePoint(_network, _optimizer);
        try
        {
            checkpoint.Restore(_network, _optimizer);
            foreach (IStatefulCallback stateful in _callbacks.OfType<IStatefulCallback>())
            {
                if (checkpoint.Callbacks.TryGetValue(stateful.StateKey, out IReadOnlyDictionary<string, double>? state)) LoadState(stateful, state, directory);
            }
        }
        catch
        {
            before.Restore(_network, _optimizer);
            throw;
        }

        _history.AddRange(checkpoint.History);
        _context.Step = checkpoint.Step;
        _context.InitialLearningRate = checkpoint.InitialLearningRate;
        _batchesDone = checkpoint.BatchesDone;
        _lossSum = checkpoint.EpochLossSum;
        _correct = checkpoint.EpochCorrect;
        _seen = checkpoint.EpochSamples;
        _secondsBefore = checkpoint.EpochSeconds;
        _context.Log($"Resumed from {directory}: epoch {checkpoint.Epoch}, {checkpoint.BatchesDone} batch(es) done, step {checkpoint.Step}.");
        return checkpoint.Epoch;
    }

    /// <summary>Loads a callback's saved state, turning a state that does not fit it into an error that names the file.</summary>
    private static void LoadState(IStatefulCallback callback, IReadOnlyDictionary<string, double> state, string directory)
    {
        try
        {
            callback.LoadState(state);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or InvalidCastException or OverflowException or FormatException)
        {
            string path = Path.Combine(directory, TrainingCheckpoint.StateFileName);
            throw new FormatException($"{path}: callbacks.{callback.StateKey} does not fit {callback.GetType().Name}: {e.Message}", e);
        }
    }
}

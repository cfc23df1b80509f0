using Cnn.Losses;
using Cnn.Optimizers;

namespace Cnn.Training;

/// <summary>
/// One optimisation step on a batch that is already on the host: upload, forward, loss, backward,
/// update, and the metrics read back. It allocates nothing, so a training loop built on it does not
/// either (a test holds it to that).
/// </summary>
public sealed class TrainingStep
{
    private readonly INetwork _network;
    private readonly ILoss _loss;
    private readonly Optimizer _optimizer;
    private readonly float[] _outputs;
    private readonly SingleThreadedUse.Gate _gate;
    private readonly DataParallel? _parallel;

    /// <summary>Prepares steps of <paramref name="network"/> with <paramref name="loss"/> and <paramref name="optimizer"/>, allocating its host buffers once.</summary>
    /// <exception cref="ArgumentException"><paramref name="optimizer"/> was created for another network.</exception>
    public TrainingStep(INetwork network, ILoss loss, Optimizer optimizer) : this(network, loss, optimizer, parallel: null)
    {
    }

    internal TrainingStep(INetwork network, ILoss loss, Optimizer optimizer, DataParallel? parallel)
    {
        if (!ReferenceEquals(optimizer.Network, network)) throw new ArgumentException("The optimizer was created for another network.", nameof(optimizer));
        _network = network;
        _loss = loss;
        _optimizer = optimizer;
        _outputs = new float[network.MaxBatchSize * network.OutputSize];
        _gate = SingleThreadedUse.GateOf(network);
        _parallel = parallel;
    }

    /// <summary>
    /// Trains on <paramref name="count"/> samples; returns the mean loss (penalties included) and how
    /// many were classified correctly. When the loss is not finite, backward and the update are
    /// skipped: the parameters keep their last finite values, and the layer outputs stay as the
    /// forward pass left them, to find where it went wrong (<see cref="Divergence"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another thread is using the network (see <see cref="INetwork"/>).</exception>
    public (float Loss, int Correct) Run(ReadOnlySpan<float> images, ReadOnlySpan<float> labels, int count)
    {
        (float loss, int correct, _) = RunAll(images, labels, count);
        return (loss, correct);
    }

    /// <summary>
    /// <see cref="Run"/>, data-parallel when the step was made with a <see cref="DataParallel"/>: the
    /// gradients are averaged over the ranks between backward and the update, and the loss, correct
    /// count and sample count returned are those of all ranks together.
    /// </summary>
    internal (float Loss, int Correct, int Count) RunAll(ReadOnlySpan<float> images, ReadOnlySpan<float> labels, int count)
    {
        using SingleThreadedUse.Scope use = _gate.Enter(_network, "TrainingStep.Run");
        if (_parallel is not null) return RunParallel(_parallel, images, labels, count);
        _network.Training = true;
        float loss = ForwardAndLoss(_network, _loss, images, labels, count);
        if (!float.IsFinite(loss)) return (loss, 0, count);
        _network.Backward(count);
        loss += _optimizer.Step();
        return (loss, CountCorrect(_network, labels, count, _outputs), count);
    }

    private (float Loss, int Correct, int Count) RunParallel(DataParallel parallel, ReadOnlySpan<float> images, ReadOnlySpan<float> labels, int count)
    {
        _network.Training = true;
        float loss = ForwardAndLoss(_network, _loss, images, labels, count);
        int correct = 0;
        // A backward that communicates runs on every rank or on none: the ranks agree first.
        if (parallel.BackwardIsCollective ? parallel.AllFinite(loss) : float.IsFinite(loss))
        {
            parallel.Backward(_network, count);
            correct = CountCorrect(_network, labels, count, _outputs);
        }
        // Every rank takes part, a diverged one too, so that none waits for it forever.
        (float global, int globalCorrect, int globalCount) = parallel.AllReduce(_network, loss, correct, count);
        if (!float.IsFinite(global)) return (float.IsFinite(loss) ? global : loss, 0, globalCount);
        global += _optimizer.Step();
        return (global, globalCorrect, globalCount);
    }

    /// <summary>Uploads a batch, runs it forward and computes the loss (and its gradient).</summary>
    internal static float ForwardAndLoss(INetwork network, ILoss loss, ReadOnlySpan<float> images, ReadOnlySpan<float> labels, int count)
    {
        int inputSize = network.InputShape.Size;
        network.Backend.Upload(images.Slice(0, count * inputSize), network.Input.Slice(0, count * inputSize));
        network.Backend.Upload(labels.Slice(0, count), network.Labels.Slice(0, count));
        network.Forward(count);
        return loss.Compute(network, count);
    }

    /// <summary>Reads the outputs back and counts rows whose arg-max equals the label.</summary>
    internal static int CountCorrect(INetwork network, ReadOnlySpan<float> labels, int count, float[] outputs)
    {
        int classes = network.OutputSize;
        Span<float> rows = outputs.AsSpan(0, count * classes);
        network.Backend.Download(network.Output.Slice(0, count * classes), rows);
        int correct = 0;
        for (int i = 0; i < count; i++)
        {
            if (ArgMax(rows.Slice(i * classes, classes)) == (int)labels[i]) correct++;
        }
        return correct;
    }

    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}

using Cnn.Backends.Cpu.Reference;

namespace Cnn.Losses;

/// <summary>
/// Softmax cross-entropy from logits against smoothed targets, like PyTorch's
/// <c>nn.CrossEntropyLoss(label_smoothing=ε)</c> (mean reduction): the target of a sample of class
/// <c>y</c> is <c>(1 − ε)·onehot(y) + ε/K</c> over the <c>K</c> outputs (Szegedy et al., 2016).
/// </summary>
/// <remarks>
/// For networks whose output is logits or, equivalently, log-probabilities (<c>LogSoftmax</c>, whose softmax
/// is the same distribution); a network that outputs probabilities is rejected.
/// It works on any backend through <see cref="Backends.IBackend.Download"/> and <see cref="Backends.IBackend.Upload"/>:
/// the logits and labels come to the host, and the gradient <c>(softmax − target) / batch</c> goes back.
/// </remarks>
public sealed class LabelSmoothingCrossEntropyLoss : ILoss
{
    private float[] _logits = [], _labels = [], _gradient = [];

    /// <summary>Smooths the targets by <paramref name="smoothing"/> (PyTorch's <c>label_smoothing</c>; 0 is plain cross-entropy).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="smoothing"/> is outside [0, 1].</exception>
    public LabelSmoothingCrossEntropyLoss(float smoothing)
    {
        if (!(smoothing >= 0 && smoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "The label smoothing must be in [0, 1].");
        Smoothing = smoothing;
    }

    /// <summary>The weight ε moved from the true class to a uniform distribution over all classes.</summary>
    public float Smoothing { get; }

    /// <inheritdoc/>
    public string Name => "cross_entropy";

    /// <inheritdoc/>
    /// <remarks>Not thread-safe: one instance serves one network at a time, as the network itself.</remarks>
    /// <exception cref="ArgumentException">
    /// The network outputs probabilities (<see cref="OutputKind.Probabilities"/>, a final softmax): this loss takes
    /// the softmax of its input, so it needs logits or log-probabilities.
    /// </exception>
    public float Compute(INetwork network, int batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.OutputKind == OutputKind.Probabilities)
            throw new ArgumentException(
                $"{network.ArchitectureName} outputs {nameof(OutputKind.Probabilities)} (it ends in softmax); label smoothing cross-entropy takes the softmax itself and needs logits: drop the final Softmax, or use LogSoftmax.",
                nameof(network));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        int classes = network.OutputSize, count = batch * classes;
        if (_logits.Length < count)
        {
            _logits = new float[network.MaxBatchSize * classes];
            _gradient = new float[network.MaxBatchSize * classes];
            _labels = new float[network.MaxBatchSize];
        }
        network.Backend.Download(CrossEntropyLoss.Rows(network.Output, batch, classes), _logits.AsSpan(0, count));
        network.Backend.Download(network.Labels.Slice(0, batch), _labels.AsSpan(0, batch));
        float loss = Compute(batch, classes, _logits, _labels, _gradient, Smoothing);
        network.Backend.Upload(_gradient.AsSpan(0, count), CrossEntropyLoss.Rows(network.OutputGradient, batch, classes));
        return loss;
    }

    /// <summary>
    /// Returns the mean of <c>−Σ target·log softmax(x)</c> over <paramref name="batch"/> rows and writes
    /// its gradient <c>(softmax(x) − target) / batch</c>, in double precision per row.
    /// </summary>
    internal static float Compute(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<float> labels, Span<float> gradient, float smoothing)
    {
        double total = 0, inverseBatch = 1.0 / batch, off = smoothing / (double)classes, on = 1 - smoothing + off;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> x = logits.Slice(n * classes, classes);
            Span<float> dx = gradient.Slice(n * classes, classes);
            int label = Labels.ClassOf(labels, n, classes);
            double max = x[0];
            for (int i = 1; i < classes; i++) max = Math.Max(max, x[i]);
            double sum = 0;
            for (int i = 0; i < classes; i++) sum += Math.Exp(x[i] - max);
            double logSum = max + Math.Log(sum);
            for (int i = 0; i < classes; i++)
            {
                double target = i == label ? on : off;
                total -= target * (x[i] - logSum);
                dx[i] = (float)((Math.Exp(x[i] - max) / sum - target) * inverseBatch);
            }
        }
        return (float)(total * inverseBatch);
    }
}

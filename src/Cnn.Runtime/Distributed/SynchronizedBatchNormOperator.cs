using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;

namespace Cnn.Distributed;

/// <summary>
/// Batch norm whose training statistics are those of the batch that all ranks hold together, as PyTorch's
/// SyncBatchNorm: forward all-reduces the per-channel sums and the count, then the sums of squared
/// deviations from the common mean (both in double); backward all-reduces Σdy and Σdy·x̂ for the input
/// gradient, while the weight and bias gradients stay this rank's, for data-parallel training to average.
/// The running statistics move towards the global mean and the unbiased global variance, alike on every rank.
/// </summary>
/// <remarks>
/// Training runs <see cref="BatchNormReference"/> on host copies of the tensors (Download, compute,
/// Upload), so it works on any backend, CUDA included, at the cost of copies and of the reference loops
/// (the CPU backend synchronizes its own kernels instead);
/// evaluation (and its backward) is the backend's own operator. Every rank must make the same calls.
/// </remarks>
internal sealed class SynchronizedBatchNormOperator : IBatchNormOperator
{
    private readonly IBackend _backend;
    private readonly IBatchNormOperator _local;
    private readonly ICollectives _group;
    private readonly BatchNormGeometry _g;
    private readonly float[] _weight, _bias, _runningMean, _runningVariance, _batchesTracked, _savedMean, _savedInverseStd, _weightGradient, _biasGradient;
    // Host copies of the input, of the output or output gradient, and of the input gradient: allocated at the first training call.
    private float[]? _input, _output, _inputGradient;
    private bool _training, _ready;

    public SynchronizedBatchNormOperator(IBackend backend, in BatchNormGeometry geometry, ICollectives group)
    {
        _local = backend.CreateBatchNorm(geometry);
        _backend = backend;
        _group = group;
        _g = geometry;
        _weight = new float[geometry.Channels];
        _bias = new float[geometry.Channels];
        _runningMean = new float[geometry.Channels];
        _runningVariance = new float[geometry.Channels];
        _batchesTracked = new float[1];
        _savedMean = new float[geometry.Channels];
        _savedInverseStd = new float[geometry.Channels];
        _weightGradient = new float[geometry.Channels];
        _biasGradient = new float[geometry.Channels];
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training)
    {
        _training = training;
        _ready = true;
        if (!training)
        {
            _local.Forward(batch, input, weight, bias, runningMean, runningVariance, batchesTracked, output, training);
            return;
        }

        GeometryChecks.Batch(batch, _g.MaxBatch);
        int count = batch * _g.Channels * _g.Spatial;
        Span<float> x = Host(ref _input, count), y = Host(ref _output, count);
        _backend.Download(input.Slice(0, count), x);
        _backend.Download(runningMean, _runningMean);
        _backend.Download(runningVariance, _runningVariance);
        BatchNormReference.Forward<float>(_g, batch, x, Optional(weight, _weight), Optional(bias, _bias),
            _runningMean, _runningVariance, Optional(batchesTracked, _batchesTracked), y, training: true, _savedMean, _savedInverseStd, _group);
        _backend.Upload(y, output);
        _backend.Upload(_runningMean, runningMean);
        _backend.Upload(_runningVariance, runningVariance);
        if (!batchesTracked.IsEmpty) _backend.Upload(_batchesTracked, batchesTracked);
    }

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        if (!_ready) throw new InvalidOperationException("Batch norm backward needs a forward pass first: it uses that pass's statistics.");
        if (!_training)
        {
            _local.Backward(batch, input, weight, outputGradient, inputGradient, weightGradient, biasGradient);
            return;
        }

        GeometryChecks.Batch(batch, _g.MaxBatch);
        int count = batch * _g.Channels * _g.Spatial;
        Span<float> x = Host(ref _input, count), dy = Host(ref _output, count);
        _backend.Download(input.Slice(0, count), x);
        _backend.Download(outputGradient.Slice(0, count), dy);
        Span<float> dx = inputGradient.IsEmpty ? default : Host(ref _inputGradient, count);
        Span<float> dw = weightGradient.IsEmpty ? default : _weightGradient, db = biasGradient.IsEmpty ? default : _biasGradient;
        BatchNormReference.Backward<float>(_g, batch, x, Optional(weight, _weight), dy, dx, dw, db, training: true, _savedMean, _savedInverseStd, _group);
        if (!inputGradient.IsEmpty) _backend.Upload(dx, inputGradient);
        if (!weightGradient.IsEmpty) _backend.Upload(dw, weightGradient);
        if (!biasGradient.IsEmpty) _backend.Upload(db, biasGradient);
    }

    private Span<float> Host(ref float[]? values, int count) => (values ??= new float[_g.MaxBatch * _g.Channels * _g.Spatial]).AsSpan(0, count);

    /// <summary>The tensor's values in <paramref name="host"/>, or an empty span for an empty tensor (no affine transform, no counter).</summary>
    private Span<float> Optional(Tensor tensor, float[] host)
    {
        if (tensor.IsEmpty) return default;
        _backend.Download(tensor, host);
        return host;
    }
}

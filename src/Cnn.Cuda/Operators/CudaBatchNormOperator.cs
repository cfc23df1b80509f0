using Cnn.Backends;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Operators;

/// <summary>
/// Batch normalisation through cuDNN: spatial mode over N×C×S×1 for BatchNorm2d, per-activation mode
/// over N×C×1×1 for BatchNorm1d (Spatial = 1). cuDNN's running-statistics update is PyTorch's:
/// exponentialAverageFactor = momentum, and the running variance takes the unbiased batch variance.
/// Training keeps cuDNN's saved mean and inverse deviation for the backward pass; a backward after an
/// evaluation-mode forward (constant statistics) runs the backend's own kernel. num_batches_tracked is
/// incremented on the device.
/// </summary>
internal sealed unsafe class CudaBatchNormOperator : IBatchNormOperator, IDisposable
{
    private readonly CudaBackend _backend;
    private readonly BatchNormGeometry _g;
    private readonly CudnnDescriptor _x, _parameters;
    private readonly int _mode;
    private readonly DeviceMemoryHandle _saved; // mean then inverse deviation, one float per channel each
    private DeviceMemoryHandle? _constants;     // ones then zeros, for a layer without affine parameters
    private DeviceMemoryHandle? _discard;       // where unwanted gradients go
    private long _discardBytes;
    private readonly string _forwardOperation, _backwardOperation;
    private int _describedBatch;
    private bool _training, _ready;

    public CudaBatchNormOperator(CudaBackend backend, in BatchNormGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _backend = backend;
        _g = geometry;
        string name = geometry.Spatial == 1 ? "BatchNorm1d" : "BatchNorm2d";
        _forwardOperation = $"{name} over {geometry.Channels} channels × {geometry.Spatial}, forward";
        _backwardOperation = $"{name} over {geometry.Channels} channels × {geometry.Spatial}, backward";
        string operation = $"{backend.Name}: {name} over {geometry.Channels} channels × {geometry.Spatial}, preparing";
        backend.ThrowIfCapturing(operation);

        _mode = geometry.Spatial == 1 ? Cudnn.BatchNormPerActivation : Cudnn.BatchNormSpatial;
        _x = CudnnDescriptor.Tensor4d(geometry.MaxBatch, geometry.Channels, geometry.Spatial, 1, operation);
        _describedBatch = geometry.MaxBatch;
        _parameters = CudnnDescriptor.Create(CudnnDescriptorKind.Tensor, operation);
        Cudnn.Check(Cudnn.cudnnDeriveBNTensorDescriptor(_parameters.Value, _x.Value, _mode), "cudnnDeriveBNTensorDescriptor", operation);
        _saved = backend.AllocateRaw(2L * geometry.Channels * sizeof(float), operation);
    }

    public void Forward(int batch, Tensor input, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVariance, Tensor batchesTracked, Tensor output, bool training)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Channels * _g.Spatial;
        if (training && (long)batch * _g.Spatial < 2)
            throw new ArgumentException($"Batch norm over {_g.Channels} channels needs more than one value per channel to train; got {(long)batch * _g.Spatial}.");
        ulong x = _backend.Pointer(input, count, nameof(input));
        ulong scale = weight.IsEmpty ? Constants() : _backend.Pointer(weight, _g.Channels, nameof(weight));
        ulong shift = bias.IsEmpty ? Constants() + (ulong)_g.Channels * sizeof(float) : _backend.Pointer(bias, _g.Channels, nameof(bias));
        ulong mean = _backend.Pointer(runningMean, _g.Channels, nameof(runningMean));
        ulong variance = _backend.Pointer(runningVariance, _g.Channels, nameof(runningVariance));
        ulong tracked = _backend.OptionalPointer(batchesTracked, 1, nameof(batchesTracked));
        ulong y = _backend.Pointer(output, count, nameof(output));
        if (batch == 0) return;
        Describe(batch);
        float one = 1f, zero = 0f;
        int status;
        if (training)
        {
            ulong savedMean = _saved.Pointer, savedInverse = _saved.Pointer + (ulong)_g.Channels * sizeof(float);
            status = Cudnn.cudnnBatchNormalizationForwardTraining(_backend.CudnnHandle, _mode, &one, &zero, _x.Value, x, _x.Value, y, _parameters.Value, scale, shift,
                _g.Momentum, mean, variance, _g.Epsilon, savedMean, savedInverse);
            if (status != 0) throw Cudnn.Error(status, "cudnnBatchNormalizationForwardTraining", $"{_backend.Name}: {_forwardOperation} (training), batch {batch}");
            if (tracked != 0)
            {
                void** args = stackalloc void*[] { &tracked };
                _backend.LaunchBlocks(_backend.Kernels.IncrementF32, 1, args, "cnn_increment_f32", _forwardOperation);
            }
        }
        else
        {
            // An inference network's plan writes the output over the input; cuDNN does not promise
            // that aliasing, so an aliased input is read from a copy in the shared workspace.
            ulong source = x;
            if (x == y)
            {
                long bytes = count * sizeof(float);
                source = _backend.Workspace(bytes, _forwardOperation);
                _backend.CopyDevice(source, x, bytes, _forwardOperation);
            }
            status = Cudnn.cudnnBatchNormalizationForwardInference(_backend.CudnnHandle, _mode, &one, &zero, _x.Value, source, _x.Value, y, _parameters.Value, scale, shift,
                mean, variance, _g.Epsilon);
            if (status != 0) throw Cudnn.Error(status, "cudnnBatchNormalizationForwardInference", $"{_backend.Name}: {_forwardOperation} (evaluation), batch {batch}");
            _runningMean = runningMean;
            _runningVariance = runningVariance;
        }
        _training = training;
        _ready = true;
    }

    // The running statistics of the last evaluation-mode forward, which its backward treats as constants.
    private Tensor _runningMean, _runningVariance;

    public void Backward(int batch, Tensor input, Tensor weight, Tensor outputGradient, Tensor inputGradient, Tensor weightGradient, Tensor biasGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (!_ready) throw new InvalidOperationException("Batch norm backward needs a forward pass first: it uses that pass's statistics.");
        long count = (long)batch * _g.Channels * _g.Spatial;
        ulong x = _backend.Pointer(input, count, nameof(input));
        ulong dy = _backend.Pointer(outputGradient, count, nameof(outputGradient));
        ulong dx = _backend.OptionalPointer(inputGradient, count, nameof(inputGradient));
        ulong dw = _backend.OptionalPointer(weightGradient, _g.Channels, nameof(weightGradient));
        ulong db = _backend.OptionalPointer(biasGradient, _g.Channels, nameof(biasGradient));
        if (batch == 0) return;

        if (!_training)
        {
            ulong w = _backend.OptionalPointer(weight, _g.Channels, nameof(weight));
            ulong mean = _backend.Pointer(_runningMean, _g.Channels, "runningMean");
            ulong variance = _backend.Pointer(_runningVariance, _g.Channels, "runningVariance");
            float epsilon = _g.Epsilon;
            int n = batch, channels = _g.Channels, spatial = _g.Spatial;
            void** args = stackalloc void*[] { &x, &dy, &w, &mean, &variance, &epsilon, &dx, &dw, &db, &n, &channels, &spatial };
            _backend.LaunchBlocks(_backend.Kernels.BatchNormBackwardEval, (uint)_g.Channels, args, "cnn_batch_norm_backward_eval", _backwardOperation);
            return;
        }

        // cuDNN writes every gradient; the unwanted ones go to scratch memory (input gradient first, then the two parameter gradients).
        ulong scale = weight.IsEmpty ? Constants() : _backend.Pointer(weight, _g.Channels, nameof(weight));
        if (dx == 0 || dw == 0 || db == 0)
        {
            long inputBytes = dx == 0 ? count * sizeof(float) : 0;
            ulong spare = Discard(inputBytes + 2L * _g.Channels * sizeof(float));
            if (dx == 0) dx = spare;
            if (dw == 0) dw = spare + (ulong)inputBytes;
            if (db == 0) db = spare + (ulong)inputBytes + (ulong)_g.Channels * sizeof(float);
        }
        Describe(batch);
        float one = 1f, zero = 0f;
        ulong savedMean = _saved.Pointer, savedInverse = _saved.Pointer + (ulong)_g.Channels * sizeof(float);
        int status = Cudnn.cudnnBatchNormalizationBackward(_backend.CudnnHandle, _mode, &one, &zero, &one, &zero, _x.Value, x, _x.Value, dy, _x.Value, dx,
            _parameters.Value, scale, dw, db, _g.Epsilon, savedMean, savedInverse);
        if (status != 0) throw Cudnn.Error(status, "cudnnBatchNormalizationBackward", $"{_backend.Name}: {_backwardOperation}, batch {batch}");
    }

    private void Describe(int batch)
    {
        if (batch == _describedBatch) return;
        _x.SetTensor4d(batch, _g.Channels, _g.Spatial, 1, $"{_backend.Name}: {_forwardOperation}");
        _describedBatch = batch;
    }

    /// <summary>Ones (the identity scale) then zeros (no shift), made once.</summary>
    private ulong Constants()
    {
        if (_constants is not null) return _constants.Pointer;
        _backend.ThrowIfCapturing($"{_forwardOperation} without affine parameters, for the first time");
        _constants = _backend.AllocateRaw(2L * _g.Channels * sizeof(float), _forwardOperation);
        _backend.DriverCheck(CudaDriver.cuMemsetD32Async(_constants.Pointer, BitConverter.SingleToUInt32Bits(1f), (nuint)_g.Channels, _backend.Stream), "cuMemsetD32Async", _forwardOperation);
        _backend.DriverCheck(CudaDriver.cuMemsetD32Async(_constants.Pointer + (ulong)_g.Channels * sizeof(float), 0, (nuint)_g.Channels, _backend.Stream), "cuMemsetD32Async", _forwardOperation);
        return _constants.Pointer;
    }

    /// <summary>Scratch memory for gradients nobody reads, grown (outside graph capture) to the largest request.</summary>
    private ulong Discard(long bytes)
    {
        if (_discard is not null && bytes <= _discardBytes) return _discard.Pointer;
        _backend.ThrowIfCapturing($"{_backwardOperation} into scratch memory, for the first time");
        _discard?.Dispose();
        _discard = _backend.AllocateRaw(bytes, _backwardOperation);
        _discardBytes = bytes;
        return _discard.Pointer;
    }

    public void Dispose()
    {
        _x.Dispose();
        _parameters.Dispose();
        _saved.Dispose();
        _constants?.Dispose();
        _discard?.Dispose();
    }
}

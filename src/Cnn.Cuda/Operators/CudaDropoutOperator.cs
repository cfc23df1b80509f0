using Cnn.Backends;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Operators;

/// <summary>
/// Inverted dropout with masks from a counter-based hash of (seed, call, element): each training call
/// draws a new mask, reproducibly, with no sequential state, and the call counter lives on the device
/// so that a replayed graph advances it too. The masks are not the CPU backend's (that one draws
/// xoshiro256** streams in sequence); <see cref="DropoutHash"/> reproduces them on the host.
/// </summary>
internal sealed unsafe class CudaDropoutOperator : IDropoutOperator, IDisposable
{
    private readonly CudaBackend _backend;
    private DropoutGeometry _g;
    private readonly DeviceMemoryHandle _calls;
    private readonly float _scale;
    private readonly string _forwardOperation, _backwardOperation;

    public CudaDropoutOperator(CudaBackend backend, in DropoutGeometry geometry)
    {
        GeometryChecks.Validate(geometry);
        _backend = backend;
        _g = geometry;
        _scale = geometry.Probability < 1f ? 1f / (1f - geometry.Probability) : 0f;
        _forwardOperation = $"Dropout p={geometry.Probability} over {geometry.Features} features, forward";
        _backwardOperation = $"Dropout p={geometry.Probability} over {geometry.Features} features, backward";
        backend.ThrowIfCapturing(_forwardOperation);
        _calls = backend.AllocateRaw(sizeof(ulong), $"{_forwardOperation}: call counter");
        ulong zero = 0;
        backend.CopyToDevice(_calls.Pointer, &zero, sizeof(ulong), _forwardOperation);
    }

    /// <summary>Passed to each launch by value, so a graph captured before a change keeps the old seed.</summary>
    public ulong MaskSeed { get => _g.Seed; set => _g = _g with { Seed = value }; }

    /// <summary>Reads or writes the device-side call counter, after the queued kernels are done with it.</summary>
    public ulong MaskStream
    {
        get
        {
            _backend.Enter();
            _backend.ThrowIfCapturing($"{_forwardOperation}: reading the mask stream");
            _backend.Synchronize();
            return _backend.ReadScalar<ulong>(_calls.Pointer, $"{_forwardOperation}: reading the mask stream");
        }
        set
        {
            _backend.Enter();
            _backend.ThrowIfCapturing($"{_forwardOperation}: setting the mask stream");
            _backend.Synchronize();
            _backend.CopyToDevice(_calls.Pointer, &value, sizeof(ulong), $"{_forwardOperation}: setting the mask stream");
        }
    }

    public void Forward(int batch, Tensor input, Tensor output, Tensor mask, bool training)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        long count = (long)batch * _g.Features;
        ulong x = _backend.Pointer(input, count, nameof(input));
        ulong y = _backend.Pointer(output, count, nameof(output));
        ulong m = _backend.Pointer(mask, count, nameof(mask));
        if (count == 0) return;
        if (!training)
        {
            // Evaluation: the identity, with a mask of ones so that a backward pass is the identity too.
            _backend.CopyDevice(y, x, count * sizeof(float), _forwardOperation);
            _backend.DriverCheck(CudaDriver.cuMemsetD32Async(m, BitConverter.SingleToUInt32Bits(1f), (nuint)count, _backend.Stream), "cuMemsetD32Async", _forwardOperation);
            return;
        }
        float p = _g.Probability, scale = _scale;
        ulong seed = _g.Seed, calls = _calls.Pointer;
        void** args = stackalloc void*[] { &x, &y, &m, &count, &p, &scale, &seed, &calls };
        _backend.Launch(_backend.Kernels.DropoutForward, count, args, "cnn_dropout_forward", _forwardOperation);
        void** next = stackalloc void*[] { &calls };
        _backend.LaunchBlocks(_backend.Kernels.IncrementU64, 1, next, "cnn_increment_u64", _forwardOperation);
    }

    public void Backward(int batch, Tensor mask, Tensor outputGradient, Tensor inputGradient)
    {
        _backend.Enter();
        GeometryChecks.Batch(batch, _g.MaxBatch);
        if (inputGradient.IsEmpty) return;
        long count = (long)batch * _g.Features;
        ulong m = _backend.Pointer(mask, count, nameof(mask));
        ulong dy = _backend.Pointer(outputGradient, count, nameof(outputGradient));
        ulong dx = _backend.Pointer(inputGradient, count, nameof(inputGradient));
        if (count == 0) return;
        void** args = stackalloc void*[] { &dy, &m, &dx, &count };
        _backend.Launch(_backend.Kernels.Multiply, count, args, "cnn_multiply", _backwardOperation);
    }

    public void Dispose() => _calls.Dispose();
}

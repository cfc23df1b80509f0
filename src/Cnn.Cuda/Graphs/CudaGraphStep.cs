using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda.Graphs;

/// <summary>
/// A training step captured from the backend's stream into a CUDA graph: <see cref="Replay"/> runs all
/// of its kernels with one launch. The graph reads and writes the same device addresses every time,
/// so upload the next batch into the network's input (and labels) before each replay, and read
/// results after it.
/// </summary>
/// <remarks>
/// Values the host passed at capture are fixed: the batch size, the learning rate, SGD's momentum
/// settings. What must change per step lives on the device: dropout's call counters, batch norm's
/// num_batches_tracked, Adam's step number. Losses stay on the device: <see cref="ReadLoss"/>.
/// </remarks>
public sealed class CudaGraphStep : IDisposable
{
    private readonly CudaBackend _backend;
    private readonly GraphHandle _graph;
    private readonly GraphExecHandle _exec;
    private readonly DeviceMemoryHandle _counters;
    private readonly int _memoryGeneration;

    internal CudaGraphStep(CudaBackend backend, GraphHandle graph, GraphExecHandle exec, DeviceMemoryHandle counters, int memoryGeneration)
    {
        _backend = backend;
        _graph = graph;
        _exec = exec;
        _counters = counters;
        _memoryGeneration = memoryGeneration;
    }

    /// <summary>How many times the graph has been launched.</summary>
    public long Replays { get; private set; }

    /// <summary>Queues one replay of the captured step on the backend's stream; it does not wait for it.</summary>
    public void Replay()
    {
        ObjectDisposedException.ThrowIf(_exec.IsClosed, this);
        _backend.Enter();
        _backend.ThrowIfCapturing("Replay");
        if (_backend.MemoryGeneration != _memoryGeneration)
            throw new InvalidOperationException($"{_backend.Name}: shared scratch memory was reallocated after this step was captured (a larger batch or a new layer shape ran); capture the step again.");
        _backend.DriverCheck(CudaDriver.cuGraphLaunch(_exec.Value, _backend.Stream), "cuGraphLaunch", "replaying a captured step");
        Replays++;
    }

    /// <summary>The loss the last replay computed (waits for it).</summary>
    public float ReadLoss() => _backend.ReadLastLoss();

    /// <summary>Waits for a running replay, then frees the captured graph; a second call does nothing.</summary>
    public void Dispose()
    {
        if (_exec.IsClosed) return;
        if (!_backend.IsDisposed) _backend.Synchronize(); // a replay may still be running

        _exec.Dispose();
        _graph.Dispose();
        _counters.Dispose();
    }
}

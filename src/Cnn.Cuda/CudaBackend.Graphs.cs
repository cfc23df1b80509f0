using Cnn.Cuda.Graphs;
using Cnn.Cuda.Interop;
using Cnn.Cuda.Native;

namespace Cnn.Cuda;

// CUDA graphs: a whole training step recorded once and replayed with one launch.
public sealed unsafe partial class CudaBackend
{
    private GraphCapture? _capture;

    /// <summary>
    /// Records <paramref name="step"/> (forward, loss, backward, optimizer update: anything that only
    /// queues work on this backend) into a CUDA graph and returns it for <see cref="CudaGraphStep.Replay"/>.
    /// With <paramref name="warmUp"/> (the default) the step first runs once for real, so that
    /// convolution algorithms are chosen, scratch memory is sized and SGD's first step is behind;
    /// the capture itself runs nothing. Inside the step, Upload, Download and allocation are refused;
    /// losses return NaN (read them with <see cref="CudaGraphStep.ReadLoss"/>) and AddPenalty returns 0.
    /// </summary>
    public CudaGraphStep CaptureStep(Action step, bool warmUp = true)
    {
        ArgumentNullException.ThrowIfNull(step);
        Enter();
        ThrowIfCapturing("CaptureStep");
        const string operation = "capturing a step into a CUDA graph";
        if (warmUp) step();
        Synchronize();

        var capture = new GraphCapture(AllocateRaw(GraphCapture.CountersBytes, operation));
        // Thread-local mode by default: this thread may not make calls that are unsafe during capture
        // (they fail rather than silently escape the graph); other threads are unaffected.
        int mode = Options.GraphCaptureMode switch
        {
            CudaGraphCaptureMode.Global => CudaDriver.CaptureModeGlobal,
            CudaGraphCaptureMode.Relaxed => CudaDriver.CaptureModeRelaxed,
            _ => CudaDriver.CaptureModeThreadLocal,
        };
        CudaDriver.Check(CudaDriver.cuStreamBeginCapture_v2(Stream, mode), "cuStreamBeginCapture", $"{Name}: {operation} ({Options.GraphCaptureMode} mode)");
        _capture = capture;
        nint graph = 0;
        try
        {
            step();
        }
        catch
        {
            _capture = null;
            if (CudaDriver.cuStreamEndCapture(Stream, out graph) == 0 && graph != 0) CudaDriver.cuGraphDestroy(graph);
            capture.Abandon();
            throw;
        }
        _capture = null;
        int ended = CudaDriver.cuStreamEndCapture(Stream, out graph);
        if (ended != 0)
        {
            capture.Abandon();
            throw CudaDriver.Error(ended, "cuStreamEndCapture", $"{Name}: {operation} (a call in the step was not allowed during capture)");
        }
        var graphHandle = new GraphHandle(_context, graph);
        int instantiated = CudaDriver.cuGraphInstantiateWithFlags(out nint exec, graph, 0);
        if (instantiated != 0)
        {
            graphHandle.Dispose();
            capture.Abandon();
            throw CudaDriver.Error(instantiated, "cuGraphInstantiateWithFlags", $"{Name}: {operation}");
        }

        // The captured step has not run: its Adam updates are steps n, n+1, … of the replays.
        foreach ((ulong address, long firstStep) in capture.AdamCounters)
        {
            ulong value = (ulong)firstStep;
            CopyToDevice(address, &value, sizeof(ulong), $"{operation}: setting Adam's step counter");
        }
        return new CudaGraphStep(this, graphHandle, new GraphExecHandle(_context, exec), capture.DetachCounters(), MemoryGeneration);
    }
}

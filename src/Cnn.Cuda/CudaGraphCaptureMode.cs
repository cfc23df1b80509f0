namespace Cnn.Cuda;

/// <summary>
/// How <see cref="CudaBackend.CaptureStep"/> records a step (CUstreamCaptureMode): which calls that are
/// unsafe during a capture (ones that would wait for the device or allocate) the driver refuses.
/// </summary>
public enum CudaGraphCaptureMode
{
    /// <summary>Refuses unsafe calls made by the capturing thread only; other threads are unaffected. The default.</summary>
    ThreadLocal,

    /// <summary>Refuses unsafe calls from any thread of the process while the capture lasts.</summary>
    Global,

    /// <summary>
    /// Refuses nothing. The fallback for a library that makes such a call inside a step that is in fact
    /// safe to replay (for example a cuDNN function that queries the device); a call that really waits
    /// or allocates then escapes the graph silently, so check replays against eager steps.
    /// </summary>
    Relaxed,
}

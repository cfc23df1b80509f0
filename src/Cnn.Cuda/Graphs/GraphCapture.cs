using Cnn.Cuda.Interop;

namespace Cnn.Cuda.Graphs;

/// <summary>
/// State of one stream capture in progress: device memory prepared before it began (nothing may be
/// allocated while capturing), and the Adam step counters to initialise once it ends.
/// </summary>
internal sealed class GraphCapture
{
    /// <summary>AdamStep calls one captured step may make (one per optimizer).</summary>
    public const int MaxAdamSteps = 16;

    // Per counter: the step number (u64) at 0, the two bias-correction factors (floats) at 8 and 12.
    private const int CounterBytes = 16;

    private readonly DeviceMemoryHandle _counters;
    private readonly List<(ulong Address, long FirstStep)> _adamCounters = [];

    public GraphCapture(DeviceMemoryHandle counters) => _counters = counters;

    /// <summary>Claims a counter for an AdamStep at <paramref name="step"/>: its addresses of the step number and the two factors.</summary>
    public (ulong Step, ulong Schedule) TakeAdamCounter(int step)
    {
        if (_adamCounters.Count == MaxAdamSteps)
            throw new NotSupportedException($"A captured step may call AdamStep at most {MaxAdamSteps} times.");
        ulong address = _counters.Pointer + (ulong)(_adamCounters.Count * CounterBytes);
        _adamCounters.Add((address, step));
        return (address, address + 8);
    }

    /// <summary>The counters claimed, with the step number each must hold before the first replay.</summary>
    public IReadOnlyList<(ulong Address, long FirstStep)> AdamCounters => _adamCounters;

    /// <summary>Hands the counters' memory to the graph that uses it.</summary>
    public DeviceMemoryHandle DetachCounters() => _counters;

    public static long CountersBytes => MaxAdamSteps * CounterBytes;

    /// <summary>Frees what a failed or abandoned capture prepared.</summary>
    public void Abandon() => _counters.Dispose();
}

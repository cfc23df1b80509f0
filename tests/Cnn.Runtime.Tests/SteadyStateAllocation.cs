namespace Cnn.Runtime.Tests;

/// <summary>
/// Measures what a repeated operation allocates on the calling thread once warm, with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
/// </summary>
/// <remarks>
/// The runtime itself may allocate once on the measuring thread in the middle of a window: when a
/// method is promoted to optimised code or a lock is inflated while other tests load the machine
/// (seen once in CI: 4,400 bytes in one window, never reproduced alone). Such an allocation
/// happens once; an allocation of the operation happens in every window. So the operation runs in
/// up to <paramref name="windows"/> windows, and the smallest count is returned: 0 as soon as one
/// window allocated nothing, and otherwise what the operation allocates at least.
/// </remarks>
internal static class SteadyStateAllocation
{
    public static long Bytes(Action window, int windows = 5)
    {
        long fewest = long.MaxValue;
        for (int i = 0; i < windows && fewest != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}

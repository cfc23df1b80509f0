using System.Runtime.CompilerServices;

namespace Cnn.Runtime.Tests;

/// <summary>
/// Every generated network in these tests (parity with PyTorch, finite differences, training,
/// divergence) fills each activation buffer with NaN once its last reader ran, so that a planning
/// error (a tensor read after its buffer went to another) fails the comparisons instead of passing
/// on stale values that happen to be right.
/// </summary>
internal static class PoisonFreedBuffersInTests
{
    [ModuleInitializer]
    internal static void TurnOn() => ArenaDebug.PoisonFreedBuffers = true;
}

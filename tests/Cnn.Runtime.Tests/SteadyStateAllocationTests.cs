using Xunit;

namespace Cnn.Runtime.Tests;

/// <summary>The allocation measure that the zero-allocation tests rely on still sees an allocation in every window.</summary>
public class SteadyStateAllocationTests
{
    private static object? s_kept;

    [Fact]
    public void AnAllocationInEveryWindow_IsReported()
    {
        long bytes = SteadyStateAllocation.Bytes(() => s_kept = new byte[100]);
        Assert.InRange(bytes, 100, 200);
    }

    [Fact]
    public void AWindowWithoutAllocation_ReportsZero()
    {
        int[] values = [3, 1, 2];
        Assert.Equal(0, SteadyStateAllocation.Bytes(() => Array.Sort(values)));
    }
}

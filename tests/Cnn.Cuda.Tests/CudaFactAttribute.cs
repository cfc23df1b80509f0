using System.Runtime.CompilerServices;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>
/// A test that needs a CUDA device. Where libcuda.so.1 is missing, cuInit fails or there is no
/// device, it is skipped, and the skip reason says which (with every place the driver was looked for).
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (!CudaTestDevice.IsAvailable) Skip = CudaTestDevice.SkipReason;
    }
}

/// <summary>A theory that needs a CUDA device; skipped like <see cref="CudaFactAttribute"/>.</summary>
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute([CallerFilePath] string? sourceFilePath = null, [CallerLineNumber] int sourceLineNumber = -1)
        : base(sourceFilePath, sourceLineNumber)
    {
        if (!CudaTestDevice.IsAvailable) Skip = CudaTestDevice.SkipReason;
    }
}

/// <summary>Probes device 0 once per test run.</summary>
internal static class CudaTestDevice
{
    private static readonly Lazy<(bool Available, string Reason)> s_probe = new(() =>
        CudaDevice.TryOpen(0, out _, out string reason) ? (true, reason) : (false, reason));

    public static bool IsAvailable => s_probe.Value.Available;

    public static string SkipReason => $"No usable CUDA device, so this GPU test is skipped. {s_probe.Value.Reason}";
}

using Cnn.Cuda.Operators;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>The fallbacks a first GPU run may need, switched without a rebuild: the capture mode and leaving out FFT and Winograd.</summary>
public class BackendOptionsTests
{
    [Theory]
    [InlineData(null, CudaGraphCaptureMode.ThreadLocal)]
    [InlineData("", CudaGraphCaptureMode.ThreadLocal)]
    [InlineData("thread-local", CudaGraphCaptureMode.ThreadLocal)]
    [InlineData("Global", CudaGraphCaptureMode.Global)]
    [InlineData(" relaxed ", CudaGraphCaptureMode.Relaxed)]
    public void CaptureMode_IsReadAsTheVariableSpellsIt(string? text, CudaGraphCaptureMode expected) =>
        Assert.Equal(expected, CudaBackendOptions.ParseCaptureMode(text));

    [Fact]
    public void CaptureMode_AnotherWord_IsRefusedNamingTheVariable()
    {
        var e = Assert.Throws<ArgumentException>(() => CudaBackendOptions.ParseCaptureMode("loose"));
        Assert.Contains("CNN_CUDA_CAPTURE_MODE is 'loose'; use thread-local, global or relaxed.", e.Message);
    }

    [Theory]
    [InlineData("Forward", new[] { 4, 5, 6, 7 }, new[] { 0, 1, 2, 3 })]
    [InlineData("Data", new[] { 2, 3, 4, 5 }, new[] { 0, 1 })]
    [InlineData("Filter", new[] { 2, 4, 5, 6 }, new[] { 0, 1, 3 })]
    public void FftAndWinograd_AreCudnnsIdsForEachDirection(string directionName, int[] excluded, int[] kept)
    {
        var direction = Enum.Parse<CudaConv2dOperator.Direction>(directionName);
        Assert.All(excluded, id => Assert.True(CudaConv2dOperator.IsFftOrWinograd(direction, id), $"{direction} algorithm {id}"));
        Assert.All(kept, id => Assert.False(CudaConv2dOperator.IsFftOrWinograd(direction, id), $"{direction} algorithm {id}"));
    }
}

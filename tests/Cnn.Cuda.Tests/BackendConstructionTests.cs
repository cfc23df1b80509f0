using Cnn.Backends;
using Cnn.Cuda.Operators;
using Xunit;

namespace Cnn.Cuda.Tests;

/// <summary>What runs on any machine: constructing the backend fails cleanly without a GPU, and the pooling route is decided from the geometry alone.</summary>
public class BackendConstructionTests
{
    [Fact]
    public void WithoutADevice_ConstructionThrowsWithTheReason_WithOneItWorks()
    {
        if (CudaDevice.TryOpen(0, out CudaDeviceInfo? info, out string reason))
        {
            using var backend = new CudaBackend();
            Assert.Equal("cuda:0", backend.Name);
            Assert.Equal(info!.Name, backend.Device.Name);
            return;
        }
        var e = Assert.Throws<CudaUnavailableException>(() => new CudaBackend());
        Assert.Equal(reason, e.Message);
    }

    [Fact]
    public void NegativeDevice_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CudaDevice.Open(-1));
    }

    [Fact]
    public void Pooling_UsesCudnnOnlyWhereItsWindowsAreTheReferences()
    {
        // 3×3 stride 2 on 112 with padding 1: 56 either way, so cuDNN.
        Assert.True(CudaPool2dOperator.CudnnExpresses(new Pool2dGeometry(PoolKind.Max, 2, 64, 112, 112, 56, 56, 3, 3, 2, 2, 1, 1)));
        // GoogLeNet's ceil-mode 3×3 stride 2 on 112 without padding: 56 instead of floor's 55.
        Assert.False(CudaPool2dOperator.CudnnExpresses(new Pool2dGeometry(PoolKind.Max, 2, 64, 112, 112, 56, 56, 3, 3, 2, 2, 0, 0)));
        Assert.False(CudaPool2dOperator.CudnnExpresses(new Pool2dGeometry(PoolKind.AdaptiveAverage, 2, 512, 7, 7, 1, 1, 0, 0, 0, 0, 0, 0)));
        Assert.True(CudaPool2dOperator.CudnnExpresses(new Pool2dGeometry(PoolKind.Sum, 2, 6, 28, 28, 14, 14, 2, 2, 2, 2, 0, 0)));
    }
}

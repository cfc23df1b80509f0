using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class CpuBackendTests
{
    [Theory]
    [InlineData(CpuKernels.Reference, "cpu-reference")]
    [InlineData(CpuKernels.Fast, "cpu")]
    public void Name_SaysWhichKernelsRun(CpuKernels kernels, string name)
    {
        using var backend = new CpuBackend(kernels, threads: 2);
        Assert.Equal(name, backend.Name);
    }

    [Fact]
    public void Allocate_GivesZeroedMemory_AndUploadDownloadRoundTrips()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        using DeviceBuffer buffer = backend.Allocate(10);
        Assert.Equal(10, buffer.Length);
        var tensor = new Tensor(buffer, 2, 5);
        var back = new float[5];
        backend.Download(tensor, back);
        Assert.All(back, v => Assert.Equal(0f, v));

        backend.Upload([1f, 2f, 3f, 4f, 5f], tensor);
        backend.Download(tensor, back);
        Assert.Equal([1f, 2f, 3f, 4f, 5f], back);
        Assert.Equal([0f, 0f, 1f, 2f, 3f, 4f, 5f, 0f, 0f, 0f], ((CpuBuffer)buffer).Data.ToArray());
    }

    [Fact]
    public void FillAndCopy_TouchOnlyTheirTensors()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        DeviceBuffer buffer = backend.Allocate(8);
        backend.Fill(new Tensor(buffer, 0, 3), 7f);
        backend.Copy(new Tensor(buffer, 1, 2), new Tensor(buffer, 5, 2));
        Assert.Equal([7f, 7f, 7f, 0f, 0f, 7f, 7f, 0f], ((CpuBuffer)buffer).Data.ToArray());
    }

    [Fact]
    public void Upload_LongerThanTheTensor_ThrowsAndNamesIt()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        var tensor = new Tensor(backend.Allocate(4), 0, 2);
        var error = Assert.Throws<ArgumentException>(() => backend.Upload([1f, 2f, 3f], tensor));
        Assert.Contains("destination", error.Message);
    }

    [Fact]
    public void Operators_RejectTensorsFromAnotherBackend()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        var foreign = new Tensor(new ForeignBuffer(), 0, 16);
        var own = new Tensor(backend.Allocate(16), 0, 16);
        IActivationOperator relu = backend.CreateActivation(new ActivationGeometry(ActivationKind.ReLU, 2, 8));
        var error = Assert.Throws<ArgumentException>(() => relu.Forward(2, foreign, own));
        Assert.Contains("ForeignBuffer", error.Message);
    }

    [Fact]
    public void Operators_RejectABatchAboveMaxBatch()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        var tensor = new Tensor(backend.Allocate(64), 0, 64);
        IActivationOperator relu = backend.CreateActivation(new ActivationGeometry(ActivationKind.ReLU, 2, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => relu.Forward(3, tensor, tensor));
    }

    [Fact]
    public void Operators_RejectTensorsShorterThanTheBatchNeeds()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        DeviceBuffer buffer = backend.Allocate(64);
        ILinearOperator linear = backend.CreateLinear(new LinearGeometry(4, 3, 2, true));
        var error = Assert.Throws<ArgumentException>(() =>
            linear.Forward(4, new Tensor(buffer, 0, 11), new Tensor(buffer, 12, 6), new Tensor(buffer, 18, 2), new Tensor(buffer, 20, 8)));
        Assert.Contains("'input'", error.Message);
    }

    [Fact]
    public void CreateConv2d_RejectsAnOutputSizeThatDoesNotFollowFromTheInput()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        Conv2dGeometry g = Geometries.Conv(1, 1, 8, 8, 1, 3) with { OutHeight = 8 };
        var error = Assert.Throws<ArgumentException>(() => backend.CreateConv2d(g));
        Assert.Contains("6x6", error.Message);
    }

    [Theory]
    [InlineData(CpuKernels.Reference)]
    [InlineData(CpuKernels.Fast)]
    public void Losses_ThroughTheBackend_MatchTheReferenceKernels(CpuKernels kernels)
    {
        using var backend = new CpuBackend(kernels, threads: 2);
        DeviceBuffer buffer = backend.Allocate(64);
        float[] logits = TestArrays.UniformSingle(61, 12), labels = [2f, 0f, 3f];
        backend.Upload(logits, new Tensor(buffer, 0, 12));
        backend.Upload(labels, new Tensor(buffer, 12, 3));
        float loss = backend.SoftmaxCrossEntropy(3, 4, new Tensor(buffer, 0, 12), new Tensor(buffer, 12, 3), new Tensor(buffer, 16, 12));
        var expectedGradient = new float[12];
        float expected = Cnn.Backends.Cpu.Reference.SoftmaxCrossEntropyReference.Compute<float>(3, 4, logits, labels, expectedGradient);
        Assert.Equal(expected, loss);
        Assert.Equal(expectedGradient, CpuTensor.Span(new Tensor(buffer, 16, 12)).ToArray());
    }

    [Theory]
    [InlineData(CpuKernels.Reference)]
    [InlineData(CpuKernels.Fast)]
    public void Add_SumsElementwise_AlsoInPlace(CpuKernels kernels)
    {
        using var backend = new CpuBackend(kernels, threads: 2);
        DeviceBuffer buffer = backend.Allocate(60);
        float[] a = TestArrays.UniformSingle(191, 19), b = TestArrays.UniformSingle(192, 19);
        Tensor ta = new(buffer, 0, 19), tb = new(buffer, 20, 19), tc = new(buffer, 40, 19);
        backend.Upload(a, ta);
        backend.Upload(b, tb);
        backend.Add(ta, tb, tc);
        backend.Add(ta, tb, ta);
        float[] expected = a.Select((v, i) => v + b[i]).ToArray();
        Assert.Equal(expected, CpuTensor.Span(tc).ToArray());
        Assert.Equal(expected, CpuTensor.Span(ta).ToArray());
    }

    /// <summary>
    /// A sum long enough for the fast backend to share it among the workers (an odd length: a last
    /// share that ends mid-vector), against the sum in double rounded to float, NaN and ±∞ included
    /// (∞ + −∞ is NaN), into a third tensor and in place over either input, on 1 to 3 threads.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Add_SharedAmongWorkers_MatchesTheSumInDouble_AlsoInPlace(int threads)
    {
        const int n = 3 * (1 << 15) + 7;
        float[] a = TestArrays.UniformSingle(193, n), b = TestArrays.UniformSingle(194, n);
        (a[5], b[5]) = (float.NaN, 1f);
        (a[n / 2], b[n / 2]) = (float.PositiveInfinity, float.NegativeInfinity);
        (a[n - 1], b[n - 1]) = (float.NegativeInfinity, 3f);
        (a[n - 20], b[n - 20]) = (2f, float.PositiveInfinity);
        float[] expected = a.Select((v, i) => (float)((double)v + b[i])).ToArray();
        Assert.True(float.IsNaN(expected[5]) && float.IsNaN(expected[n / 2]) && float.IsNegativeInfinity(expected[n - 1]) && float.IsPositiveInfinity(expected[n - 20]));

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        Tensor ta = h.Upload(a), tb = h.Upload(b), sum = h.Stale(n);
        h.Backend.Add(ta, tb, sum);
        Assert.Equal(expected, h.Read(sum));
        h.Backend.Add(ta, tb, tb);
        Assert.Equal(expected, h.Read(tb));
        tb = h.Upload(b);
        h.Backend.Add(ta, tb, ta);
        Assert.Equal(expected, h.Read(ta));
    }

    [Fact]
    public void CopyStrided_CopiesEachRowBetweenStrides()
    {
        using var backend = new CpuBackend(CpuKernels.Reference);
        DeviceBuffer source = backend.Allocate(9), destination = backend.Allocate(8);
        backend.Upload([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], new Tensor(source, 0, 9));
        // Two rows of two: from stride 4 (skipping two) to stride 3 at offset 1, as a channel concat does.
        backend.CopyStrided(2, 2, new Tensor(source, 1, 8), 4, new Tensor(destination, 1, 7), 3);
        Assert.Equal([0f, 2f, 3f, 0f, 6f, 7f, 0f, 0f], ((CpuBuffer)destination).Data.ToArray());
    }

    private sealed class ForeignBuffer : DeviceBuffer
    {
        public override long Length => 16;
        public override void Dispose() { }
    }
}

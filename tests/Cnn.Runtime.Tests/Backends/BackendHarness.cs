using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>A backend plus helpers to put arrays into tensors and read them back.</summary>
internal sealed class BackendHarness : IDisposable
{
    public BackendHarness(CpuKernels kernels, int threads = 2, MatrixPrecision precision = MatrixPrecision.Single) =>
        Backend = new CpuBackend(kernels, threads, precision);

    public CpuBackend Backend { get; }

    public Tensor Upload(float[] values)
    {
        // An offset into a larger buffer, so that kernels must honour Tensor.Offset.
        var tensor = new Tensor(Backend.Allocate(values.Length + 5), 3, values.Length);
        Backend.Upload(values, tensor);
        return tensor;
    }

    /// <summary>A tensor pre-filled with a stale value, so that a kernel that forgets to overwrite shows.</summary>
    public Tensor Stale(int length, float value = 7f) => Upload(Enumerable.Repeat(value, length).ToArray());

    public float[] Read(Tensor tensor)
    {
        var values = new float[tensor.Length];
        Backend.Download(tensor, values);
        return values;
    }

    public void Dispose() => Backend.Dispose();
}

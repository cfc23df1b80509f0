using Cnn.Backends;
using Cnn.Backends.Cpu;

namespace Cnn.Benchmarks;

/// <summary>Backend tensors filled with seeded uniform values: no benchmark runs on zeros.</summary>
internal static class Data
{
    public static Tensor Random(CpuBackend backend, long length, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        DeviceBuffer buffer = backend.Allocate(length);
        var tensor = new Tensor(buffer, 0, (int)length);
        backend.Upload(values, tensor);
        return tensor;
    }
}

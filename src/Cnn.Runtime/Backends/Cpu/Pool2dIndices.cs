using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu;

/// <summary>The CPU view of a max pool's byte indices (<see cref="CompactMasks"/>): where each sample's and plane's bytes start.</summary>
internal static class Pool2dIndices
{
    /// <summary>The index bytes of <paramref name="batch"/> samples, after checking the tensor holds them.</summary>
    public static Span<byte> Bytes(Tensor indices, int batch, in Pool2dGeometry g, string name)
        => MemoryMarshal.AsBytes(CpuTensor.Span(indices, (long)batch * CompactMasks.PoolIndexFloats(g.OutputSize), name));

    /// <summary>The first byte of (sample, channel)'s plane: each sample starts at a whole float.</summary>
    public static int PlaneStart(in Pool2dGeometry g, int sample, int channel)
        => sample * 4 * CompactMasks.PoolIndexFloats(g.OutputSize) + channel * g.OutHeight * g.OutWidth;
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A convolution's weights in the packed layout of its forward GEMM, kept between calls while they
/// stay as they were: the same tensor, at the same <see cref="DeviceBuffer.Version"/>. A call that
/// finds them current packs nothing, so batch-1 inference reads each weight once, in the GEMM.
/// The copy is kept only once two calls in a row see the same weights: in training an optimizer step
/// changes them between every two forward passes, and a copy per layer would only cost memory; until
/// then the weights go to the workspace's shared region, repacked by every call.
/// </summary>
internal sealed unsafe class PackedWeightCache
{
    private readonly int _floats;
    private readonly CpuWorkspace _workspace;
    private float[]? _memory;

    // What _memory holds (null: nothing usable), and the weights of the previous call.
    private TensorStamp? _kept, _previous;

    // The weights of the calls that Steady has seen in a row, and how many.
    private TensorStamp? _noted;
    private int _steadyCalls;

    /// <param name="floats">The size of the packed weights.</param>
    /// <param name="workspace">The backend's workspace: its shared region when nothing is kept, and the count of packs.</param>
    public PackedWeightCache(int floats, CpuWorkspace workspace)
    {
        _floats = floats;
        _workspace = workspace;
    }

    /// <summary>
    /// Where this call's packed weights are, and whether the caller must pack them there first (the
    /// pack is counted in <see cref="CpuWorkspace.WeightPacks"/>). Call it on the calling thread,
    /// before the workers start.
    /// </summary>
    public float* Find(Tensor weight, out bool pack)
    {
        var stamp = TensorStamp.Of(weight);
        pack = _kept != stamp;
        if (!pack) return Kept;

        _workspace.WeightPacks++;
        bool seenBefore = _previous == stamp;
        _previous = stamp;
        if (!seenBefore)
        {
            _kept = null;
            return _workspace.Get(CpuWorkspace.Region.PackedWeights);
        }
        _memory ??= GC.AllocateUninitializedArray<float>(_floats + 16, pinned: true);
        _kept = stamp;
        return Kept;
    }

    /// <summary>Calls in a row with the same weights from which <see cref="Steady"/> holds.</summary>
    public const int SteadyCalls = 3;

    /// <summary>
    /// Notes this call's <paramref name="weight"/>, and returns whether this is at least the
    /// <see cref="SteadyCalls"/>th call in a row to see it: the weights of inference, which
    /// <see cref="Find"/> will then keep at once. Not those of training, which change between calls;
    /// nor an evaluation forward and the replay of it that a generated network's Backward runs (two
    /// calls), whose gradients must come from training's paths. A caller that gets false packs
    /// elsewhere, not by <see cref="Find"/>.
    /// </summary>
    public bool Steady(Tensor weight)
    {
        var stamp = TensorStamp.Of(weight);
        if (_kept == stamp) return true;
        _steadyCalls = _noted == stamp ? _steadyCalls + 1 : 1;
        _noted = stamp;
        if (_steadyCalls < SteadyCalls) return false;
        _previous = stamp;
        return true;
    }

    /// <summary>Drops the kept copy, when another path has taken the weights over; a later <see cref="Find"/> keeps a new one as before.</summary>
    public void Release()
    {
        _memory = null;
        _kept = null;
    }

    /// <summary>Bytes held by the kept copy, for tests and profiles.</summary>
    public long AllocatedBytes => _memory is null ? 0 : _memory.LongLength * sizeof(float);

    // 64-byte aligned, as the workspace's buffers are.
    private float* Kept
    {
        get
        {
            float* start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_memory!));
            return (float*)(((nint)start + 63) & ~(nint)63);
        }
    }
}

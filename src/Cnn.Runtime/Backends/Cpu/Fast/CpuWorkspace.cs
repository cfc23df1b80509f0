using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The scratch memory of one CPU backend, shared by all its fast operators: per worker, the unfolded
/// columns, a gathered output matrix, partial weight and bias gradients, a padded image and GEMM
/// packing buffers; and, for the calling thread, packed weights. Layers run one after another on one
/// backend, so one set of buffers sized for the most demanding layer serves every layer, where buffers
/// of their own would grow with layers × workers (ResNet-18's twenty convolutions each held several
/// megabytes per worker).
/// </summary>
/// <remarks>
/// An operator states what it needs when it is created (<see cref="Reserve"/>, <see cref="ReserveGemm"/>);
/// a buffer is allocated, pinned and 64-byte aligned, on first use and reallocated only if a later
/// operator needs more, so a training step allocates nothing once every layer has run. Nothing in a
/// region outlives the call that wrote it. Like the backend, not for concurrent calls: a worker may ask
/// only for its own slots, and a slot that workers share (worker 0's packed weights) must be taken
/// on the calling thread before they start, since the first request for a slot allocates it.
/// </remarks>
internal sealed unsafe class CpuWorkspace
{
    /// <summary>What a buffer holds; each region is separate, so that one call may use several at once.</summary>
    public enum Region
    {
        /// <summary>im2col columns of one worker, or a block of Winograd-transformed input tiles.</summary>
        Columns,

        /// <summary>An output or output-gradient matrix gathered for several images at once, or a block of Winograd products (or transformed output-gradient tiles).</summary>
        Scratch,

        /// <summary>A worker's partial weight gradient (workers after the first; every worker's transformed one for Winograd).</summary>
        WeightPartials,

        /// <summary>A worker's partial bias gradient (workers after the first; every worker's for Winograd).</summary>
        BiasPartials,

        /// <summary>A padded input image for the direct convolution, or a padded band of input rows for Winograd.</summary>
        Padded,

        /// <summary>An output gradient with rows padded to whole vectors, for the direct convolution's weight gradient.</summary>
        PaddedGradient,

        /// <summary>Weights packed for the forward GEMM when they are not kept (<see cref="PackedWeightCache"/>); shared by the workers: worker 0's slot; Winograd's 16 transformed filters.</summary>
        PackedWeights,

        /// <summary>Transposed weights packed for the input-gradient GEMM (shared: worker 0's slot); Winograd's turned, transposed filters.</summary>
        PackedWeightsTransposed,
    }

    private const int RegionCount = (int)Region.PackedWeightsTransposed + 1;
    private const int AlignFloats = 16;

    private readonly int _workers;
    private readonly long[] _reserved = new long[RegionCount];
    private readonly float[]?[] _arrays;
    private readonly GemmWorkspace?[] _gemm;
    private readonly (int M, int N, int K)[] _gemmBuiltFor;
    private int _gemmM = 1, _gemmN = 1, _gemmK = 1;

    /// <param name="workers">Threads that take slots.</param>
    /// <param name="kernel">The GEMM kernel of every worker's <see cref="Gemm"/> workspace: the operators pack for it.</param>
    public CpuWorkspace(int workers, GemmKernel kernel)
    {
        _workers = workers;
        Kernel = kernel;
        _arrays = new float[]?[RegionCount * workers];
        _gemm = new GemmWorkspace?[workers];
        _gemmBuiltFor = new (int, int, int)[workers];
    }

    /// <summary>The GEMM kernel of this backend: <see cref="SgemmKernels.Best"/>, or <see cref="GemmKernel.Bf16"/> when the backend computes in bf16.</summary>
    public GemmKernel Kernel { get; }

    /// <summary>Makes <paramref name="region"/> hold at least <paramref name="floats"/> floats for each worker.</summary>
    public void Reserve(Region region, long floats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        _reserved[(int)region] = Math.Max(_reserved[(int)region], floats);
    }

    /// <summary>Makes every worker's GEMM workspace fit products up to <paramref name="maxM"/>×<paramref name="maxN"/>×<paramref name="maxK"/>.</summary>
    public void ReserveGemm(int maxM, int maxN, int maxK)
    {
        _gemmM = Math.Max(_gemmM, maxM);
        _gemmN = Math.Max(_gemmN, maxN);
        _gemmK = Math.Max(_gemmK, maxK);
    }

    /// <summary>Worker <paramref name="worker"/>'s buffer of <paramref name="region"/>, 64-byte aligned, of at least the reserved size.</summary>
    public float* Get(Region region, int worker = 0)
    {
        int slot = (int)region * _workers + worker;
        long floats = _reserved[(int)region];
        float[]? array = _arrays[slot];
        if (array is null || array.LongLength < floats + AlignFloats)
        {
            array = GC.AllocateUninitializedArray<float>(checked((int)(floats + AlignFloats)), pinned: true);
            _arrays[slot] = array;
        }
        float* start = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return (float*)(((nint)start + 63) & ~(nint)63);
    }

    /// <summary>Worker <paramref name="worker"/>'s GEMM packing buffers, for the largest product reserved.</summary>
    public GemmWorkspace Gemm(int worker)
    {
        GemmWorkspace? workspace = _gemm[worker];
        if (workspace is null || _gemmBuiltFor[worker] != (_gemmM, _gemmN, _gemmK))
        {
            workspace = new GemmWorkspace(Kernel, _gemmM, _gemmN, _gemmK);
            _gemm[worker] = workspace;
            _gemmBuiltFor[worker] = (_gemmM, _gemmN, _gemmK);
        }
        return workspace;
    }

    /// <summary>How many times the operators on this workspace packed a layer's weights for a forward pass (tests read it).</summary>
    public long WeightPacks { get; set; }

    /// <summary>Bytes held now, for tests and profiles.</summary>
    public long AllocatedBytes =>
        _arrays.Sum(array => array is null ? 0L : array.LongLength * sizeof(float))
        + _gemm.Sum(workspace => workspace is null ? 0L : (long)(workspace.PackACapacity + workspace.PackBCapacity) * sizeof(float));
}

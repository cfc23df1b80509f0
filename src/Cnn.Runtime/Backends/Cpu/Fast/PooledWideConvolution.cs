using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A convolution that <see cref="WideChannelVectorConvolution"/> computes, fused with its epilogue
/// and the max pool after it, so that only the pooled output is stored in channel rows: the
/// CIFAR AlexNet-like net's 3→64 4×4 on 32×32 and 64→192 4×4 on 15×15, each followed by ReLU and a
/// 3×3, stride-2 max pool. The wide kernel's accumulators already hold a block of 32 output channels
/// as the lanes of two vectors per pixel; here they are kept channel-last for the block's conv rows
/// (<see cref="WideChannelVectorConvolution.ForwardChannelLast"/>), finished there (y = f(x·scale +
/// shift), lane by lane, before the max, so that any scale is right), pooled with one vector max per
/// window element and block half, and only the pooled pixels are transposed into the NCHW output
/// (<see cref="ChannelVectorConvolution.Store"/>). The unpooled plane is neither transposed, nor
/// finished in a pass of its own, nor read back by a pool: 64×31×31 floats per image for the first
/// layer, against 64×15×15 pooled.
/// <para>The epilogue's activation is none, ReLU or LeakyReLU (<see cref="Takes"/>). A NaN must win
/// its window as in <see cref="Reference.Pool2dReference"/>, which the vector max does not promise:
/// the caller leaves images with a NaN or an infinity, and weights that are not all finite, to its
/// unpooled paths (as for <see cref="PooledDirectConvolution"/>). Pools without padding whose windows
/// lie inside the conv plane (the floor), any kernel and stride. <see cref="Reference.Conv2dReference"/>
/// and <see cref="Reference.Pool2dReference"/> are the reference.</para>
/// </summary>
internal sealed unsafe class PooledWideConvolution
{
    private const int BlockChannels = WideChannelVectorConvolution.BlockChannels;

    // Pooled pixels per store: one 16×16 transpose.
    private const int StorePixels = Lanes;

    private readonly WideChannelVectorConvolution _wide;
    private readonly Conv2dGeometry _g;
    private readonly Pool2dGeometry _p;
    private readonly int _blocks;

    /// <summary>Pools the output of <paramref name="wide"/>, the kernel of <paramref name="conv"/>, by <paramref name="pool"/>, which <see cref="Applies"/> must accept.</summary>
    public PooledWideConvolution(WideChannelVectorConvolution wide, in Conv2dGeometry conv, in Pool2dGeometry pool)
    {
        if (!Applies(conv, pool)) throw new ArgumentException($"The pooled wide convolution does not take {conv} pooled by {pool}: it needs the wide kernel and an unpadded max pool inside the conv plane.", nameof(pool));
        _wide = wide;
        _g = conv;
        _p = pool;
        _blocks = wide.Blocks;
    }

    /// <summary>Whether <paramref name="conv"/> followed by <paramref name="pool"/> can run here.</summary>
    public static bool Applies(in Conv2dGeometry conv, in Pool2dGeometry pool) =>
        WideChannelVectorConvolution.Applies(conv) && pool.Kind == PoolKind.Max && pool.PaddingHeight == 0 && pool.PaddingWidth == 0
        && pool.Channels == conv.OutChannels && pool.InHeight == conv.OutHeight && pool.InWidth == conv.OutWidth
        && pool.OutHeight >= 1 && pool.OutWidth >= 1 && pool.StrideHeight >= 1 && pool.StrideWidth >= 1
        && (pool.OutHeight - 1) * pool.StrideHeight + pool.KernelHeight <= conv.OutHeight
        && (pool.OutWidth - 1) * pool.StrideWidth + pool.KernelWidth <= conv.OutWidth;

    /// <summary>Whether this call's epilogue can be applied lane by lane here: no activation, ReLU or LeakyReLU, and a finite scale and shift.</summary>
    public static bool Takes(ChannelEpilogue epilogue)
    {
        if (epilogue.Activation is { } kind && !(kind is ActivationKind.ReLU or ActivationKind.LeakyReLU && float.IsFinite(epilogue.NegativeSlope)))
            return false;
        foreach (float s in epilogue.Scale) if (!float.IsFinite(s)) return false;
        foreach (float s in epilogue.Shift) if (!float.IsFinite(s)) return false;
        return true;
    }

    /// <summary>Floats of a worker's buffer: a block's conv rows channel-last, the segment tile, the pooled tile and the per-lane scale, shift and zero bias.</summary>
    public static long WorkSize(in Conv2dGeometry conv, in Pool2dGeometry pool) =>
        (long)ConvRows(pool, 0, pool.OutHeight) * conv.OutWidth * BlockChannels + WideChannelVectorConvolution.TileFloats + 2 * StorePixels * Lanes + 3 * BlockChannels;

    // Conv rows that pooled rows [first, end) read: [first·stride, (end − 1)·stride + kernel).
    private static int ConvRows(in Pool2dGeometry pool, int first, int end) => (end - 1 - first) * pool.StrideHeight + pool.KernelHeight;

    /// <summary>Blocks of 32 output channels.</summary>
    public int Blocks => _blocks;

    /// <summary>
    /// Worker <paramref name="worker"/>'s share of one image split among <paramref name="workers"/>:
    /// blocks of output channels when they go round evenly (or are many), else bands of pooled rows.
    /// </summary>
    public void Share(int worker, int workers, out int firstBlock, out int endBlock, out int firstRow, out int endRow)
    {
        if (ByBlocks(workers))
        {
            (firstBlock, endBlock) = WorkerPool.Share(_blocks, worker, workers);
            (firstRow, endRow) = (0, _p.OutHeight);
            return;
        }
        (firstBlock, endBlock) = (0, _blocks);
        (firstRow, endRow) = WorkerPool.Share(_p.OutHeight, worker, workers);
    }

    /// <summary>How many workers can share one image (<see cref="Share"/>'s units).</summary>
    public int ShareUnits(int workers) => ByBlocks(workers) ? _blocks : _p.OutHeight;

    private bool ByBlocks(int workers) => _blocks % workers == 0 || _blocks >= 4 * workers;

    /// <summary>
    /// Pooled rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) of blocks
    /// [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) of one image into
    /// <paramref name="pooled"/> (NCHW, the pool's output size): each block's conv rows from
    /// <paramref name="source"/> (<see cref="WideChannelVectorConvolution.Source"/>) with
    /// <paramref name="packedWeights"/> (<see cref="WideChannelVectorConvolution.PackWeights"/>),
    /// then y = x·scale + shift per channel, below zero times <paramref name="slope"/> (1 for no
    /// activation), then the max of each window. <paramref name="work"/> holds <see cref="WorkSize"/> floats, 64-byte aligned.
    /// </summary>
    public void Forward(float* source, float* packedWeights, float* scale, float* shift, float slope, float* pooled,
        int firstBlock, int endBlock, int firstRow, int endRow, float* work)
    {
        if (firstRow >= endRow) return;
        int convFirst = firstRow * _p.StrideHeight, convRows = ConvRows(_p, firstRow, endRow);
        float* rows = work, tile = rows + (long)ConvRows(_p, 0, _p.OutHeight) * _g.OutWidth * BlockChannels;
        float* pooledTile = tile + WideChannelVectorConvolution.TileFloats, lanes = pooledTile + 2 * StorePixels * Lanes;
        float* zeroBias = lanes, scaleLanes = lanes + BlockChannels, shiftLanes = lanes + 2 * BlockChannels;
        new Span<float>(zeroBias, BlockChannels).Clear();
        int pooledPlane = _p.OutHeight * _p.OutWidth;
        for (int block = firstBlock; block < endBlock; block++)
        {
            int o0 = block * BlockChannels, channels = Math.Min(BlockChannels, _g.OutChannels - o0);
            new Span<float>(scaleLanes, 2 * BlockChannels).Clear();
            new ReadOnlySpan<float>(scale + o0, channels).CopyTo(new Span<float>(scaleLanes, channels));
            new ReadOnlySpan<float>(shift + o0, channels).CopyTo(new Span<float>(shiftLanes, channels));
            _wide.ForwardChannelLast(source, packedWeights, block, convFirst, convFirst + convRows, zeroBias, tile, rows);
            Finish(rows, convRows * _g.OutWidth, channels > Lanes, scaleLanes, shiftLanes, slope);
            for (int py = firstRow; py < endRow; py++)
            {
                float* top = rows + (long)(py - firstRow) * _p.StrideHeight * _g.OutWidth * BlockChannels;
                for (int x0 = 0; x0 < _p.OutWidth; x0 += StorePixels)
                {
                    int width = Math.Min(StorePixels, _p.OutWidth - x0);
                    Pool(top, x0, width, channels > Lanes, pooledTile);
                    float* destination = pooled + (long)o0 * pooledPlane + py * _p.OutWidth + x0;
                    Store(pooledTile, width, destination, pooledPlane, Math.Min(Lanes, channels));
                    if (channels > Lanes) Store(pooledTile + StorePixels * Lanes, width, destination + (long)Lanes * pooledPlane, pooledPlane, channels - Lanes);
                }
            }
        }
    }

    // y = x·scale + shift, then y < 0 ? y·slope : y, for each of count pixels' one or two vectors.
    private static void Finish(float* rows, int count, bool two, float* scaleLanes, float* shiftLanes, float slope)
    {
        Vector512<float> s0 = Vector512.Load(scaleLanes), s1 = Vector512.Load(scaleLanes + Lanes);
        Vector512<float> h0 = Vector512.Load(shiftLanes), h1 = Vector512.Load(shiftLanes + Lanes);
        Vector512<float> k = Vector512.Create(slope);
        for (int p = 0; p < count; p++)
        {
            float* x = rows + (long)p * BlockChannels;
            Vector512<float> a = Vector512.FusedMultiplyAdd(Vector512.Load(x), s0, h0);
            Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512<float>.Zero), a * k, a).Store(x);
            if (!two) continue;
            Vector512<float> b = Vector512.FusedMultiplyAdd(Vector512.Load(x + Lanes), s1, h1);
            Vector512.ConditionalSelect(Vector512.LessThan(b, Vector512<float>.Zero), b * k, b).Store(x + Lanes);
        }
    }

    // Pooled pixels [x0, x0 + width) of the pooled row whose windows start at conv row top: their maxima, lanes 0–15 at pooledTile[i·16], 16–31 a store tile further.
    private void Pool(float* top, int x0, int width, bool two, float* pooledTile)
    {
        int rowFloats = _g.OutWidth * BlockChannels;
        for (int i = 0; i < width; i++)
        {
            float* window = top + (long)(x0 + i) * _p.StrideWidth * BlockChannels;
            Vector512<float> m0 = Vector512.Load(window), m1 = two ? Vector512.Load(window + Lanes) : default;
            for (int dy = 0; dy < _p.KernelHeight; dy++)
                for (int dx = 0; dx < _p.KernelWidth; dx++)
                {
                    float* x = window + (long)dy * rowFloats + dx * BlockChannels;
                    m0 = Avx512F.Max(m0, Vector512.Load(x));
                    if (two) m1 = Avx512F.Max(m1, Vector512.Load(x + Lanes));
                }
            m0.Store(pooledTile + i * Lanes);
            if (two) m1.Store(pooledTile + (StorePixels + i) * Lanes);
        }
    }
}

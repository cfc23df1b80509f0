using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The inference forward pass of a 3×3, stride-1 convolution followed by a 2×2, stride-2 max pool, by
/// Winograd's F(4×4, 3×3) with the output channels as vector lanes (<see cref="Winograd4x4Lanes"/>), pooled in registers: each 6×6 input
/// tile (overlapping by 2) is transformed, for 16 channels at a time, to 36 positions (Bᵀ d B); per
/// position, a block of 32 output channels is the sum over the input channels of the transformed
/// filter (G g Gᵀ, packed once as [block][position][c][32]) times the tile's transformed input,
/// broadcast — the same register scheme as <see cref="WideChannelVectorConvolution"/>, eight tiles'
/// accumulators at once; the 36 products of a tile then go back to its 4×4 outputs (Aᵀ m A), which are
/// max-pooled to 2×2, finished (m·scale + shift, then the activation: valid after the max for the
/// epilogues that <see cref="PooledDirectConvolution.Takes"/>) and transposed into the NCHW pooled
/// output. An image is first copied, channels last, into a zero-padded buffer whose height and width
/// are whole tiles plus 2. A multiply-add of the 3×3 convolution costs 36/(16·9) = 1/4 of one here,
/// before the tiles' overhang (14×14 outputs take 16×16). Values differ from the direct sum by
/// rounding in the transforms (relative 1e-6 to 1e-5 at these sizes), and a NaN or an infinity
/// spreads to its whole tile: such images go to another path (the caller checks).
/// <see cref="Reference.Conv2dReference"/> and the reference pool are the reference.
/// </summary>
internal sealed unsafe class PooledWinogradConvolution
{
    /// <summary>Output channels per block: two vectors.</summary>
    public const int BlockChannels = Winograd4x4Lanes.BlockChannels;

    private const int GroupTiles = Winograd4x4Lanes.GroupTiles, Positions = Winograd4x4Lanes.Positions;

    private readonly Conv2dGeometry _g;
    private readonly Pool2dGeometry _pool;
    private readonly int _tileRows, _tileColumns, _paddedHeight, _paddedWidth, _blocks, _vectors, _pooledPlane;

    // Groups of at most GroupTiles tiles: whole tile rows (as many as fit) or, for rows of more than GroupTiles tiles, pieces of one row.
    private readonly int _rowsPerGroup, _columnsPerGroup;

    /// <summary>Prepares the tiles of <paramref name="geometry"/> pooled by <paramref name="pool"/>, which <see cref="Applies"/> must accept.</summary>
    public PooledWinogradConvolution(in Conv2dGeometry geometry, in Pool2dGeometry pool)
    {
        if (!Applies(geometry, pool)) throw new ArgumentException($"The pooled Winograd convolution does not take {geometry} with {pool}: it needs AVX-512, a 3×3 kernel of stride 1, one group, and a 2×2 max pool of stride 2.", nameof(geometry));
        _g = geometry;
        _pool = pool;
        _tileRows = (geometry.OutHeight + 3) / 4;
        _tileColumns = (geometry.OutWidth + 3) / 4;
        _paddedHeight = 4 * _tileRows + 2;
        _paddedWidth = 4 * _tileColumns + 2;
        _blocks = (geometry.OutChannels + BlockChannels - 1) / BlockChannels;
        _vectors = 2 * _blocks;
        _pooledPlane = pool.OutHeight * pool.OutWidth;
        _columnsPerGroup = Math.Min(GroupTiles, _tileColumns);
        _rowsPerGroup = _tileColumns <= GroupTiles ? GroupTiles / _tileColumns : 1;
    }

    /// <summary>Whether <paramref name="g"/> followed by <paramref name="pool"/> can run here (the operator's rule says whether it should).</summary>
    public static bool Applies(in Conv2dGeometry g, in Pool2dGeometry pool) =>
        Winograd4x4Lanes.Applies(g)
        && pool.Kind == PoolKind.Max && pool.KernelHeight == 2 && pool.KernelWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2
        && pool.PaddingHeight == 0 && pool.PaddingWidth == 0 && pool.Channels == g.OutChannels
        && pool.InHeight == g.OutHeight && pool.InWidth == g.OutWidth && pool.OutHeight == g.OutHeight / 2 && pool.OutWidth == g.OutWidth / 2
        && pool.OutHeight >= 1 && pool.OutWidth >= 1;

    /// <summary>Rows of 4×4 output tiles: the units that a call with fewer images than workers shares out.</summary>
    public int TileRows => _tileRows;

    /// <summary>Floats of the packed, transformed weights: per block of 32 output channels, 36 positions of [InChannels][32].</summary>
    public static int PackedWeightsSize(in Conv2dGeometry g) => Winograd4x4Lanes.PackedWeightsSize(g);

    /// <summary>Floats of one worker's buffers: the padded channels-last image, a group's transformed tiles and products, and the pooled image channels last.</summary>
    public static long WorkspaceSize(in Conv2dGeometry g, in Pool2dGeometry pool)
    {
        long padded = (4L * ((g.OutHeight + 3) / 4) + 2) * (4L * ((g.OutWidth + 3) / 4) + 2) * Winograd4x4Lanes.RoundUp(g.InChannels);
        long pooled = 2L * ((g.OutChannels + BlockChannels - 1) / BlockChannels) * pool.OutHeight * pool.OutWidth * Lanes + Lanes * Lanes;
        return padded + Winograd4x4Lanes.GroupSize(g) + pooled;
    }

    /// <summary>Packs <paramref name="weight"/> for <see cref="Forward"/> (<see cref="Winograd4x4Lanes.PackWeights"/>).</summary>
    public static void PackWeights(in Conv2dGeometry g, float* weight, float* packed) => Winograd4x4Lanes.PackWeights(g, weight, packed);

    /// <summary>
    /// Tile rows [<paramref name="firstTileRow"/>, <paramref name="endTileRow"/>) of one image: their
    /// pooled rows of every channel, written to <paramref name="output"/> (the image's pooled NCHW
    /// planes). <paramref name="scale"/> and <paramref name="shift"/> hold a value per output channel
    /// (the bias goes in the shift); <paramref name="slope"/> multiplies the negative results (0 for
    /// ReLU, 1 without an activation). <paramref name="workspace"/> is the worker's
    /// (<see cref="WorkspaceSize"/>); its padded border is zeroed only when <paramref name="clear"/>
    /// (a worker's first image of a call), since later images overwrite only the inside.
    /// </summary>
    public void Forward(float* image, float* packedWeights, float* scale, float* shift, float slope, float* output, float* workspace, bool clear,
        int firstTileRow, int endTileRow)
    {
        int channels = Winograd4x4Lanes.RoundUp(_g.InChannels);
        float* padded = workspace;
        float* transformed = padded + (long)_paddedHeight * _paddedWidth * channels;
        float* products = transformed + (long)Positions * GroupTiles * channels;
        float* pooled = products + Positions * GroupTiles * BlockChannels;
        // Padded rows [4·first, 4·end + 2) are the ones these tiles read.
        Winograd4x4Lanes.Pad(_g, image, padded, _paddedHeight, _paddedWidth, clear, 4 * firstTileRow, 4 * endTileRow + 2);

        float* scaleLanes = stackalloc float[BlockChannels], shiftLanes = stackalloc float[BlockChannels];
        for (int ty = firstTileRow; ty < endTileRow; ty += _rowsPerGroup)
        {
            int rows = Math.Min(_rowsPerGroup, endTileRow - ty);
            for (int tx = 0; tx < _tileColumns; tx += _columnsPerGroup)
            {
                int columns = Math.Min(_columnsPerGroup, _tileColumns - tx);
                Winograd4x4Lanes.TransformInput(padded, _paddedWidth, channels, ty, rows, tx, columns, transformed);
                for (int b = 0; b < _blocks; b++)
                {
                    int o0 = b * BlockChannels, count = Math.Min(BlockChannels, _g.OutChannels - o0);
                    new Span<float>(scaleLanes, BlockChannels).Fill(1f);
                    new Span<float>(shiftLanes, BlockChannels).Clear();
                    new ReadOnlySpan<float>(scale + o0, count).CopyTo(new Span<float>(scaleLanes, BlockChannels));
                    new ReadOnlySpan<float>(shift + o0, count).CopyTo(new Span<float>(shiftLanes, BlockChannels));
                    Winograd4x4Lanes.Multiply(rows * columns, transformed, channels, packedWeights + (long)b * Positions * _g.InChannels * BlockChannels, _g.InChannels, products);
                    for (int t = 0; t < rows * columns; t++)
                        for (int h = 0; h < 2; h++)
                            TransformOutput(products + t * BlockChannels + h * Lanes, Vector512.Load(scaleLanes + h * Lanes), Vector512.Load(shiftLanes + h * Lanes), slope,
                                pooled + (long)(2 * b + h) * _pooledPlane * Lanes, ty + t / columns, tx + t % columns);
                }
            }
        }

        // Pooled rows [2·first, 2·end) of every channel, sixteen pixels at a time.
        int py0 = 2 * firstTileRow, py1 = Math.Min(_pool.OutHeight, 2 * endTileRow);
        int start = py0 * _pool.OutWidth, end = py1 * _pool.OutWidth;
        for (int v = 0; v < _vectors; v++)
        {
            int o0 = v * Lanes;
            if (o0 >= _g.OutChannels) break;
            int count = Math.Min(Lanes, _g.OutChannels - o0);
            for (int p = start; p < end; p += Lanes)
                ChannelVectorConvolution.Store(pooled + ((long)v * _pooledPlane + p) * Lanes, Math.Min(Lanes, end - p), output + (long)o0 * _pooledPlane + p, _pooledPlane, count);
        }
    }

    /// <summary>
    /// One tile's 4×4 outputs of sixteen channels from its 36 products (products[p·GroupTiles·32]),
    /// max-pooled to 2×2 and finished, into the pooled plane (channels last) where they lie inside it.
    /// </summary>
    [SkipLocalsInit]
    private void TransformOutput(float* products, Vector512<float> scale, Vector512<float> shift, float slope, float* pooled, int ty, int tx)
    {
        Vector512<float>* o = stackalloc Vector512<float>[24];
        Winograd4x4Lanes.OutputColumns(products, o);
        Vector512<float> slopes = Vector512.Create(slope);
        for (int a = 0; a < 2; a++)
        {
            Winograd4x4Lanes.OutputRows(o[12 * a], o[12 * a + 1], o[12 * a + 2], o[12 * a + 3], o[12 * a + 4], o[12 * a + 5],
                out Vector512<float> e0, out Vector512<float> e1, out Vector512<float> e2, out Vector512<float> e3);
            Winograd4x4Lanes.OutputRows(o[12 * a + 6], o[12 * a + 7], o[12 * a + 8], o[12 * a + 9], o[12 * a + 10], o[12 * a + 11],
                out Vector512<float> f0, out Vector512<float> f1, out Vector512<float> f2, out Vector512<float> f3);
            int py = 2 * ty + a;
            if (py >= _pool.OutHeight) break;
            int px = 2 * tx;
            if (px < _pool.OutWidth) Winograd4x4Lanes.Finish(Avx512F.Max(Avx512F.Max(e0, e1), Avx512F.Max(f0, f1)), scale, shift, slopes).Store(pooled + ((long)py * _pool.OutWidth + px) * Lanes);
            if (px + 1 < _pool.OutWidth) Winograd4x4Lanes.Finish(Avx512F.Max(Avx512F.Max(e2, e3), Avx512F.Max(f2, f3)), scale, shift, slopes).Store(pooled + ((long)py * _pool.OutWidth + px + 1) * Lanes);
        }
    }
}

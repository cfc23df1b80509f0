using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static Cnn.Backends.Cpu.Fast.ChannelVectorConvolution;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// The forward pass of a 3×3, stride-1 convolution by Winograd's F(4×4, 3×3) with the output channels
/// as vector lanes (<see cref="Winograd4x4Lanes"/>): ResNet's and VGG's 3×3 layers on planes of 14×14
/// and more. An image's rows are copied channels last into a zero-padded buffer; a group of at most
/// eight tiles (a piece of a tile row, or a few whole rows of a narrow plane) is transformed; each
/// block of 32 output channels multiplies it in registers; the products go back to 4×4 outputs
/// (Aᵀ m A), are finished (y·scale + shift, below zero times a slope) and kept channels last for the
/// band of four output rows, which is then transposed into the NCHW output sixteen pixels at a time.
/// A multiply-add of the 3×3 convolution costs 36/(16·9) = 1/4 of one here, before the overhang of
/// tiles past the plane, against 16/(4·9) = 4/9 in F(2×2, 3×3) (<see cref="WinogradConvolution"/>,
/// which still takes the gradients). Values differ from the direct sum by rounding in the transforms
/// (relative 1e-6 to 1e-5), and a NaN or an infinity would spread to its whole tile:
/// <see cref="Forward"/> finds them while copying the image and leaves such images to the caller.
/// <see cref="Reference.Conv2dReference"/> is the reference.
/// </summary>
internal sealed unsafe class Winograd4x4Convolution
{
    private const int BlockChannels = Winograd4x4Lanes.BlockChannels, GroupTiles = Winograd4x4Lanes.GroupTiles, Positions = Winograd4x4Lanes.Positions;

    private readonly Conv2dGeometry _g;
    private readonly int _tileRows, _tileColumns, _paddedHeight, _paddedWidth, _blocks, _vectors, _channels;

    // Groups: whole tile rows, as many as fit in GroupTiles, or near-equal pieces of one longer row.
    private readonly int _rowsPerGroup, _columnsPerGroup;

    // The finished band, channels last: [vector][4·rowsPerGroup rows][4·tileColumns columns][16].
    private readonly int _bandRows, _bandWidth;

    /// <summary>Prepares the tiles of <paramref name="geometry"/>, which <see cref="Winograd4x4Lanes.Applies"/> must accept.</summary>
    public Winograd4x4Convolution(in Conv2dGeometry geometry)
    {
        if (!Winograd4x4Lanes.Applies(geometry)) throw new ArgumentException($"Winograd F(4×4, 3×3) does not take {geometry}: it needs AVX-512 and a 3×3, stride-1, undilated, ungrouped kernel padded by at most 2.", nameof(geometry));
        _g = geometry;
        _tileRows = (geometry.OutHeight + 3) / 4;
        _tileColumns = (geometry.OutWidth + 3) / 4;
        _paddedHeight = 4 * _tileRows + 2;
        _paddedWidth = 4 * _tileColumns + 2;
        _blocks = (geometry.OutChannels + BlockChannels - 1) / BlockChannels;
        _vectors = 2 * _blocks;
        _channels = Winograd4x4Lanes.RoundUp(geometry.InChannels);
        int pieces = (_tileColumns + GroupTiles - 1) / GroupTiles;
        _columnsPerGroup = (_tileColumns + pieces - 1) / pieces;
        _rowsPerGroup = _tileColumns <= GroupTiles ? GroupTiles / _tileColumns : 1;
        _bandRows = 4 * _rowsPerGroup;
        _bandWidth = 4 * _tileColumns;
    }

    /// <summary>Rows of 4×4 output tiles: the units that a call with fewer images than workers shares out.</summary>
    public int TileRows => _tileRows;

    /// <summary>Floats of one worker's buffer: the padded channels-last image, a group's transformed tiles and products, and the finished band (and 16 pixels more, which the last transpose reads).</summary>
    public long WorkspaceSize =>
        (long)_paddedHeight * _paddedWidth * _channels + Winograd4x4Lanes.GroupSize(_g) + ((long)_vectors * _bandRows * _bandWidth + Lanes) * Lanes;

    /// <summary>
    /// Tile rows [<paramref name="firstTileRow"/>, <paramref name="endTileRow"/>) of one image into
    /// its NCHW <paramref name="output"/>: y = conv·scale + shift per output channel, below zero times
    /// <paramref name="slope"/> (<paramref name="scale"/> null means 1, <paramref name="shift"/> null 0).
    /// <paramref name="packedWeights"/> come from <see cref="Winograd4x4Lanes.PackWeights"/>;
    /// <paramref name="workspace"/> is the worker's (<see cref="WorkspaceSize"/>), its padded border
    /// zeroed only when <paramref name="clear"/> (a worker's first image of a call), since later images
    /// overwrite only the inside. Returns false, with nothing written, when the input rows these tiles
    /// read hold a NaN or an infinity.
    /// </summary>
    public bool Forward(float* image, float* packedWeights, float* scale, float* shift, float slope, float* output, float* workspace, bool clear,
        int firstTileRow, int endTileRow)
    {
        float* padded = workspace;
        float* transformed = padded + (long)_paddedHeight * _paddedWidth * _channels;
        float* products = transformed + (long)Positions * GroupTiles * _channels;
        float* band = products + Positions * GroupTiles * BlockChannels;
        // Padded rows [4·first, 4·end + 2) are the ones these tiles read.
        if (!Winograd4x4Lanes.Pad(_g, image, padded, _paddedHeight, _paddedWidth, clear, 4 * firstTileRow, 4 * endTileRow + 2)) return false;

        Vector512<float>* scales = stackalloc Vector512<float>[_vectors], shifts = stackalloc Vector512<float>[_vectors];
        float* lanes = stackalloc float[Lanes];
        for (int v = 0; v < _vectors; v++)
        {
            for (int j = 0; j < Lanes; j++)
            {
                int o = v * Lanes + j;
                lanes[j] = o >= _g.OutChannels || scale == null ? 1f : scale[o];
            }
            scales[v] = Vector512.Load(lanes);
            for (int j = 0; j < Lanes; j++)
            {
                int o = v * Lanes + j;
                lanes[j] = o >= _g.OutChannels || shift == null ? 0f : shift[o];
            }
            shifts[v] = Vector512.Load(lanes);
        }
        Vector512<float> slopes = Vector512.Create(slope);

        long weightBlock = (long)Positions * _g.InChannels * BlockChannels;
        for (int ty = firstTileRow; ty < endTileRow; ty += _rowsPerGroup)
        {
            int rows = Math.Min(_rowsPerGroup, endTileRow - ty);
            for (int tx = 0; tx < _tileColumns; tx += _columnsPerGroup)
            {
                int columns = Math.Min(_columnsPerGroup, _tileColumns - tx);
                Winograd4x4Lanes.TransformInput(padded, _paddedWidth, _channels, ty, rows, tx, columns, transformed);
                for (int b = 0; b < _blocks; b++)
                {
                    Winograd4x4Lanes.Multiply(rows * columns, transformed, _channels, packedWeights + b * weightBlock, _g.InChannels, products);
                    for (int t = 0; t < rows * columns; t++)
                        for (int h = 0; h < 2; h++)
                        {
                            int v = 2 * b + h;
                            float* target = band + (((long)v * _bandRows + 4 * (t / columns)) * _bandWidth + 4 * (tx + t % columns)) * Lanes;
                            TransformOutput(products + t * BlockChannels + h * Lanes, scales[v], shifts[v], slopes, target);
                        }
                }
            }
            StoreBand(band, output, 4 * ty, Math.Min(_g.OutHeight, 4 * (ty + rows)));
        }
        return true;
    }

    /// <summary>One tile's 4×4 outputs of sixteen channels, finished, into the band: row a, column k at target + (a·bandWidth + k)·16.</summary>
    [SkipLocalsInit]
    private void TransformOutput(float* products, Vector512<float> scale, Vector512<float> shift, Vector512<float> slope, float* target)
    {
        Vector512<float>* o = stackalloc Vector512<float>[24];
        Winograd4x4Lanes.OutputColumns(products, o);
        for (int a = 0; a < 4; a++)
        {
            Winograd4x4Lanes.OutputRows(o[6 * a], o[6 * a + 1], o[6 * a + 2], o[6 * a + 3], o[6 * a + 4], o[6 * a + 5],
                out Vector512<float> e0, out Vector512<float> e1, out Vector512<float> e2, out Vector512<float> e3);
            float* row = target + (long)a * _bandWidth * Lanes;
            Winograd4x4Lanes.Finish(e0, scale, shift, slope).Store(row);
            Winograd4x4Lanes.Finish(e1, scale, shift, slope).Store(row + Lanes);
            Winograd4x4Lanes.Finish(e2, scale, shift, slope).Store(row + 2 * Lanes);
            Winograd4x4Lanes.Finish(e3, scale, shift, slope).Store(row + 3 * Lanes);
        }
    }

    /// <summary>Output rows [y0, y1) of every channel from the band (whose first row is y0), sixteen pixels at a time.</summary>
    private void StoreBand(float* band, float* output, int y0, int y1)
    {
        int plane = _g.OutHeight * _g.OutWidth, width = _g.OutWidth;
        for (int v = 0; v < _vectors; v++)
        {
            int o0 = v * Lanes;
            if (o0 >= _g.OutChannels) break;
            int count = Math.Min(Lanes, _g.OutChannels - o0);
            for (int y = y0; y < y1; y++)
            {
                float* source = band + ((long)v * _bandRows + y - y0) * _bandWidth * Lanes;
                float* destination = output + (long)o0 * plane + (long)y * width;
                for (int x = 0; x < width; x += Lanes)
                    ChannelVectorConvolution.Store(source + (long)x * Lanes, Math.Min(Lanes, width - x), destination + x, plane, count);
            }
        }
    }
}

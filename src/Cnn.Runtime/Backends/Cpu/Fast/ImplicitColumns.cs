using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Implicit GEMM: the column matrix of <see cref="Im2Col"/> (row (c, ky, kx), one band of
/// OutHeight·OutWidth columns per image, images side by side) packed into <see cref="Sgemm"/>'s panels
/// straight from the images, never stored. It takes stride-1 convolutions whose output rows are as
/// wide as the input's ("same" padding, as the 3×3 convolutions of the MNIST net, the CIFAR net and
/// ResNet). There, column (image, position) of row (c, ky, kx) reads plane c of that image at
/// position + shift(ky, kx), or padding: so each 16-column half of a panel is at most two masked
/// loads, one per image it spans (a plane of at least NR positions never lets a panel span three).
/// The masks come from a table per tap of the positions whose read falls inside the plane, laid out
/// so that one unaligned load gives a half panel's mask for either image.
/// </summary>
internal sealed unsafe class ImplicitColumns
{
    // The AVX-512 kernel's panels: NR = 32 columns, two vectors of 16.
    private const int Lanes = 16, PanelColumns = 2 * Lanes;

    private readonly int _plane, _inPlane, _inputSize, _taps, _tableStride;
    private readonly long[] _shifts;

    // Per tap, _tableStride ints: P zeros, then P entries (−1 where the tap reads inside the plane, else 0), then P + 32 zeros.
    private readonly int[] _table;

    /// <summary>Whether the convolution <paramref name="g"/>, run by <paramref name="kernel"/>, can pack its columns here.</summary>
    public static bool Applies(in Conv2dGeometry g, GemmKernel kernel) =>
        kernel == GemmKernel.Avx512 && Avx512F.IsSupported
        && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.OutWidth == g.InWidth
        && g.OutHeight * g.OutWidth >= PanelColumns;

    public ImplicitColumns(in Conv2dGeometry g)
    {
        if (!Applies(g, SgemmKernels.Best)) throw new ArgumentException("Implicit columns take ungrouped, stride-1 convolutions as wide as their input, on AVX-512.", nameof(g));
        int width = g.InWidth;
        _plane = g.OutHeight * width;
        _inPlane = g.InHeight * width;
        _inputSize = g.InChannels * _inPlane;
        _taps = g.KernelHeight * g.KernelWidth;
        _tableStride = 3 * _plane + PanelColumns;
        _shifts = new long[_taps];
        _table = GC.AllocateArray<int>(_taps * _tableStride, pinned: true);
        for (int ky = 0, t = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, t++)
            {
                int shiftY = ky * g.DilationHeight - g.PaddingHeight, shiftX = kx * g.DilationWidth - g.PaddingWidth;
                _shifts[t] = (long)shiftY * width + shiftX;
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < width; ox++)
                    {
                        bool inside = (uint)(oy + shiftY) < (uint)g.InHeight && (uint)(ox + shiftX) < (uint)width;
                        _table[t * _tableStride + _plane + oy * width + ox] = inside ? -1 : 0;
                    }
            }
    }

    /// <summary>
    /// The columns of images from <paramref name="images"/> on, starting at column
    /// <paramref name="firstColumn"/> of the matrix (a band of the first image's output rows starts at
    /// row·OutWidth): a source for <see cref="Sgemm.MultiplyPacked{TSource}"/>.
    /// </summary>
    public Source For(float* images, int firstColumn = 0) => new(this, images, firstColumn);

    /// <summary>The panels of one call's column matrix.</summary>
    public readonly struct Source : IPanelSource
    {
        private readonly ImplicitColumns _columns;
        private readonly float* _images;
        private readonly int _firstColumn;

        internal Source(ImplicitColumns columns, float* images, int firstColumn)
        {
            _columns = columns;
            _images = images;
            _firstColumn = firstColumn;
        }

        public void Pack(GemmWorkspace ws, int pc, int kc, int jc, int nc)
        {
            ImplicitColumns c = _columns;
            fixed (int* table = c._table)
            fixed (long* shifts = c._shifts)
            {
                for (int q = 0; q < nc; q += PanelColumns)
                {
                    int columns = Math.Min(PanelColumns, nc - q), width = SgemmKernels.PanelWidth(ws.Kernel, columns);
                    int column = _firstColumn + jc + q, image = column / c._plane, position = column - image * c._plane;
                    PackPanel(c, table, shifts, _images + (long)image * c._inputSize, position, columns, width == PanelColumns, pc, kc, ws.PackB + (long)q * kc);
                }
            }
        }

        /// <summary>
        /// One panel: columns [position, position + columns) of the image at <paramref name="image"/>,
        /// running on into the next image's first positions; rows [pc, pc + kc), <paramref name="wide"/>
        /// for 32 columns per row, else 16.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void PackPanel(ImplicitColumns c, int* table, long* shifts, float* image, int position, int columns, bool wide, int pc, int kc, float* panel)
        {
            int taps = c._taps, width = wide ? PanelColumns : Lanes;
            Vector512<int> lanes = Vector512<int>.Indices;
            Vector512<float> boundLow = Vector512.LessThan(lanes, Vector512.Create(columns)).AsSingle();
            Vector512<float> boundHigh = Vector512.LessThan(lanes, Vector512.Create(columns - Lanes)).AsSingle();
            float* next = image + c._inputSize - c._plane;
            for (int t = 0; t < taps; t++)
            {
                // Rows (ch, t) for the channels ch whose row lies in [pc, pc + kc).
                int first = Math.Max(0, (pc - t + taps - 1) / taps), end = (pc + kc - t + taps - 1) / taps;
                if (first >= end) continue;
                int* valid = table + t * c._tableStride;
                Vector512<float> thisLow = Vector512.Load(valid + c._plane + position).AsSingle() & boundLow;
                Vector512<float> nextLow = Vector512.Load(valid + position).AsSingle() & boundLow;
                Vector512<float> thisHigh = Vector512.Load(valid + c._plane + position + Lanes).AsSingle() & boundHigh;
                Vector512<float> nextHigh = Vector512.Load(valid + position + Lanes).AsSingle() & boundHigh;
                float* fromThis = image + position + shifts[t], fromNext = next + position + shifts[t];
                for (int ch = first; ch < end; ch++)
                {
                    long offset = (long)ch * c._inPlane;
                    float* row = panel + (long)(ch * taps + t - pc) * width;
                    Vector512<float> low = Avx512F.MaskLoad(fromThis + offset, thisLow, Vector512<float>.Zero)
                                           | Avx512F.MaskLoad(fromNext + offset, nextLow, Vector512<float>.Zero);
                    low.Store(row);
                    if (!wide) continue;
                    Vector512<float> high = Avx512F.MaskLoad(fromThis + offset + Lanes, thisHigh, Vector512<float>.Zero)
                                            | Avx512F.MaskLoad(fromNext + offset + Lanes, nextHigh, Vector512<float>.Zero);
                    high.Store(row + Lanes);
                }
            }
        }
    }
}

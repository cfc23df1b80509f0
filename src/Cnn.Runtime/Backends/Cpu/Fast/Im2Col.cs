namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Unrolls one image into the column matrix that turns convolution into a GEMM, and folds column
/// gradients back. Row (c, ky, kx) of the matrix holds, for every output position (y, x), the input
/// value that tap (ky, kx) of channel c sees there, or 0 in the padding. Rows lie
/// <c>rowStride</c> floats apart, so that several images can sit side by side in one matrix, each
/// in its own band of OutHeight·OutWidth columns. The row-range overloads unfold or fold only a band
/// of output rows, for an image whose whole column matrix would be too large to hold at once.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>
    /// True for a stride-1 convolution whose output is as wide as its input ("same" padding). Then a
    /// column row is the input plane shifted by one offset, except at the left or right edge, so
    /// it is one block copy plus a few zeroed columns rather than one small copy per output row.
    /// </summary>
    private static bool IsSame(in Conv2dGeometry g) => g.StrideHeight == 1 && g.StrideWidth == 1 && g.OutWidth == g.InWidth;

    /// <summary>Fills the [InChannels·kh·kw, OutHeight·OutWidth] column matrix of one image.</summary>
    public static void Unfold(in Conv2dGeometry g, float* image, float* columns) => Unfold(g, image, columns, g.OutHeight * g.OutWidth);

    /// <summary>Like <see cref="Unfold(in Conv2dGeometry, float*, float*)"/>, with rows <paramref name="rowStride"/> floats apart.</summary>
    public static void Unfold(in Conv2dGeometry g, float* image, float* columns, long rowStride)
    {
        if (IsSame(g))
        {
            UnfoldSame(g, image, columns, rowStride);
            return;
        }

        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = image + (long)c * g.InHeight * g.InWidth;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, row += rowStride)
            {
                int offsetX = kx * g.DilationWidth - g.PaddingWidth;
                (int x0, int x1) = ValidRange(offsetX, g.StrideWidth, g.InWidth, g.OutWidth);
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    float* dst = row + oy * g.OutWidth;
                    int iy = oy * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InHeight || x0 >= x1)
                    {
                        new Span<float>(dst, g.OutWidth).Clear();
                        continue;
                    }
                    float* src = plane + (long)iy * g.InWidth + offsetX;
                    for (int ox = 0; ox < x0; ox++) dst[ox] = 0f;
                    if (g.StrideWidth == 1)
                        new ReadOnlySpan<float>(src + x0, x1 - x0).CopyTo(new Span<float>(dst + x0, x1 - x0));
                    else
                        for (int ox = x0; ox < x1; ox++) dst[ox] = src[ox * g.StrideWidth];
                    for (int ox = x1; ox < g.OutWidth; ox++) dst[ox] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Adds each column-matrix gradient back onto the input position it came from; <paramref name="image"/>
    /// must start zeroed. May overwrite the padding entries of <paramref name="columns"/> with zeros.
    /// </summary>
    public static void Fold(in Conv2dGeometry g, float* columns, float* image) => Fold(g, columns, image, g.OutHeight * g.OutWidth);

    /// <summary>Like <see cref="Fold(in Conv2dGeometry, float*, float*)"/>, with rows <paramref name="rowStride"/> floats apart.</summary>
    public static void Fold(in Conv2dGeometry g, float* columns, float* image, long rowStride)
    {
        if (IsSame(g))
        {
            FoldSame(g, columns, image, rowStride);
            return;
        }

        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = image + (long)c * g.InHeight * g.InWidth;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, row += rowStride)
            {
                int offsetX = kx * g.DilationWidth - g.PaddingWidth;
                (int x0, int x1) = ValidRange(offsetX, g.StrideWidth, g.InWidth, g.OutWidth);
                if (x0 >= x1) continue;
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    int iy = oy * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InHeight) continue;
                    float* src = row + oy * g.OutWidth;
                    float* dst = plane + (long)iy * g.InWidth + offsetX;
                    if (g.StrideWidth == 1)
                        RowOps.Add(src + x0, dst + x0, x1 - x0);
                    else
                        for (int ox = x0; ox < x1; ox++) dst[ox * g.StrideWidth] += src[ox];
                }
            }
        }
    }

    /// <summary>
    /// Fills the columns of output rows [<paramref name="firstRow"/>, <paramref name="endRow"/>) only:
    /// (endRow − firstRow)·OutWidth columns, rows <paramref name="rowStride"/> floats apart.
    /// </summary>
    public static void Unfold(in Conv2dGeometry g, float* image, float* columns, long rowStride, int firstRow, int endRow) =>
        Unfold(Band(g, firstRow, endRow), image, columns, rowStride);

    /// <summary>
    /// Adds the column gradients of output rows [<paramref name="firstRow"/>, <paramref name="endRow"/>)
    /// onto <paramref name="image"/>, which holds the other bands' sums (zero before the first).
    /// </summary>
    public static void Fold(in Conv2dGeometry g, float* columns, float* image, long rowStride, int firstRow, int endRow) =>
        Fold(Band(g, firstRow, endRow), columns, image, rowStride);

    /// <summary>
    /// The convolution of the whole input whose output rows are rows [firstRow, endRow) of
    /// <paramref name="g"/>'s: output row y reads input row (firstRow + y)·stride − padding + ky·dilation,
    /// so the band is the same convolution with its top padding lowered by firstRow·stride (negative
    /// when the band starts below the padding).
    /// </summary>
    private static Conv2dGeometry Band(in Conv2dGeometry g, int firstRow, int endRow) =>
        g with { OutHeight = endRow - firstRow, PaddingHeight = g.PaddingHeight - firstRow * g.StrideHeight };

    /// <summary>The output columns [x0, x1) whose input column ox·stride + offset lies inside [0, width).</summary>
    private static (int, int) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int x0 = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int x1 = width - offset <= 0 ? 0 : (width - offset - 1) / stride + 1;
        return (Math.Min(x0, outWidth), Math.Min(x1, outWidth));
    }

    private static void UnfoldSame(in Conv2dGeometry g, float* image, float* columns, long rowStride)
    {
        int width = g.InWidth, plane = g.InHeight * width, outPlane = g.OutHeight * width;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* source = image + (long)c * plane;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, row += rowStride)
            {
                var (y0, y1, shift, shiftX) = Rows(g, ky, kx);

                // Output (y, x) reads source[y·width + x + shift]: copy the band of valid rows, clipped to
                // the plane, in one piece; everything outside it is padding.
                long first = Math.Max((long)y0 * width, -shift), end = Math.Min((long)y1 * width, plane - shift);
                if (y0 >= y1 || end <= first)
                {
                    new Span<float>(row, outPlane).Clear();
                    continue;
                }
                new Span<float>(row, (int)first).Clear();
                new ReadOnlySpan<float>(source + first + shift, (int)(end - first)).CopyTo(new Span<float>(row + first, (int)(end - first)));
                new Span<float>(row + end, (int)(outPlane - end)).Clear();
                ZeroEdges(row, y0, y1, width, shiftX);
            }
        }
    }

    private static void FoldSame(in Conv2dGeometry g, float* columns, float* image, long rowStride)
    {
        int width = g.InWidth, plane = g.InHeight * width;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* target = image + (long)c * plane;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, row += rowStride)
            {
                var (y0, y1, shift, shiftX) = Rows(g, ky, kx);
                if (y0 >= y1) continue;

                // Padding entries would land on a neighbouring row's edge: zero them, then add the band.
                ZeroEdges(row, y0, y1, width, shiftX);
                long first = Math.Max((long)y0 * width, -shift), end = Math.Min((long)y1 * width, plane - shift);
                if (end > first) RowOps.Add(row + first, target + first + shift, (int)(end - first));
            }
        }
    }

    /// <summary>The output rows [y0, y1) that tap (ky, kx) sees inside the input, and its flat and horizontal shifts.</summary>
    private static (int Y0, int Y1, long Shift, int ShiftX) Rows(in Conv2dGeometry g, int ky, int kx)
    {
        int shiftY = ky * g.DilationHeight - g.PaddingHeight, shiftX = kx * g.DilationWidth - g.PaddingWidth;
        int y0 = Math.Max(0, -shiftY), y1 = Math.Min(g.OutHeight, g.InHeight - shiftY);
        return (y0, y1, (long)shiftY * g.InWidth + shiftX, shiftX);
    }

    /// <summary>Zeroes, in rows [y0, y1), the columns whose input column x + shiftX falls outside the row.</summary>
    private static void ZeroEdges(float* row, int y0, int y1, int width, int shiftX)
    {
        if (shiftX == 0) return;
        int from = shiftX < 0 ? 0 : Math.Max(0, width - shiftX), to = shiftX < 0 ? Math.Min(width, -shiftX) : width;
        for (int y = y0; y < y1; y++)
            for (int x = from; x < to; x++) row[(long)y * width + x] = 0f;
    }
}

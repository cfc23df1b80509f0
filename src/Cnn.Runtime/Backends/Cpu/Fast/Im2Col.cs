namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Unrolls one image into the column matrix that turns convolution into a GEMM, and folds column
/// gradients back. Row (c, ky, kx) of the matrix holds, for every output position (y, x), the input
/// value that tap (ky, kx) of channel c sees there, or 0 in the padding.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Fills the [InChannels·kh·kw, OutHeight·OutWidth] column matrix of one image.</summary>
    public static void Unfold(in Conv2dGeometry g, float* image, float* columns)
    {
        int outPlane = g.OutHeight * g.OutWidth;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = image + (long)c * g.InHeight * g.InWidth;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, row += outPlane)
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

    /// <summary>Adds each column-matrix gradient back onto the input position it came from; <paramref name="image"/> must start zeroed.</summary>
    public static void Fold(in Conv2dGeometry g, float* columns, float* image)
    {
        int outPlane = g.OutHeight * g.OutWidth;
        float* row = columns;
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = image + (long)c * g.InHeight * g.InWidth;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++, row += outPlane)
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

    /// <summary>The output columns [x0, x1) whose input column ox·stride + offset lies inside [0, width).</summary>
    private static (int, int) ValidRange(int offset, int stride, int width, int outWidth)
    {
        int x0 = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int x1 = width - offset <= 0 ? 0 : (width - offset - 1) / stride + 1;
        return (Math.Min(x0, outWidth), Math.Min(x1, outWidth));
    }
}

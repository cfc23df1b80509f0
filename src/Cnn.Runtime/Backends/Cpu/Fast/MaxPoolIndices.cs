namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// Max pooling of one plane that saves each window's maximum position as a byte (<see cref="CompactMasks"/>),
/// and its backward pass from those bytes alone: what a training plan runs when it keeps neither the
/// pool's input nor its output. The rules are <see cref="Reference.Pool2dReference"/>'s
/// (ForwardPlaneSavingIndices, BackwardPlaneFromIndices): a later element wins only if strictly greater
/// or NaN, and the first NaN of a window wins.
/// </summary>
internal static unsafe class MaxPoolIndices
{
    public static void Forward(PoolPlanes.Windows w, in Pool2dGeometry g, float* x, float* y, byte* indices)
    {
        int inWidth = g.InWidth, kernelWidth = g.KernelWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int y0 = w.Y0[oy], y1 = w.Y1[oy], originY = oy * g.StrideHeight - g.PaddingHeight;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int x0 = w.X0[ox], x1 = w.X1[ox], originX = ox * g.StrideWidth - g.PaddingWidth;
                int best = -1;
                float max = float.NegativeInfinity;
                for (int iy = y0; iy < y1 && !float.IsNaN(max); iy++)
                {
                    float* row = x + iy * inWidth;
                    for (int ix = x0; ix < x1; ix++)
                    {
                        float v = row[ix];
                        if (best >= 0 && !(v > max) && !float.IsNaN(v)) continue;
                        max = v;
                        best = (iy - originY) * kernelWidth + ix - originX;
                        if (float.IsNaN(v)) break;
                    }
                }
                int at = oy * g.OutWidth + ox;
                y[at] = max;
                indices[at] = best < 0 ? CompactMasks.NoMaximum : (byte)best;
            }
        }
    }

    /// <summary>Overwrites dx of the plane: each window's gradient goes to the input element its byte names.</summary>
    public static void Backward(in Pool2dGeometry g, byte* indices, float* dy, float* dx)
    {
        new Span<float>(dx, g.InHeight * g.InWidth).Clear();
        int inWidth = g.InWidth, kernelWidth = g.KernelWidth;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int originY = oy * g.StrideHeight - g.PaddingHeight;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int at = oy * g.OutWidth + ox;
                byte index = indices[at];
                if (index == CompactMasks.NoMaximum) continue;
                int iy = originY + index / kernelWidth, ix = ox * g.StrideWidth - g.PaddingWidth + index % kernelWidth;
                dx[iy * inWidth + ix] += dy[at];
            }
        }
    }
}

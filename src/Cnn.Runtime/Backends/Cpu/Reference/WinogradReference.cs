namespace Cnn.Backends.Cpu.Reference;

/// <summary>
/// Winograd's F(2×2, 3×3) in double, one tile and one channel pair at a time, with the transforms
/// written as the plain matrix products Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A: the reference for
/// <see cref="Fast.WinogradConvolution"/>, which computes the same thing 16 tiles at a time through
/// GEMMs. The input gradient is the same forward pass over the output gradient with the filters
/// turned by 180° and their channels swapped, padded by 2 − padding; the filter gradient is
/// Gᵀ [Σ over tiles (A dY Aᵀ) ⊙ (Bᵀ d B)] G. Applies to what <see cref="Fast.WinogradConvolution.Applies"/>
/// accepts (3×3, stride 1, no dilation, one group, padding at most 2).
/// </summary>
internal static class WinogradReference
{
    private static readonly double[,] BT = { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } };
    private static readonly double[,] G = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
    private static readonly double[,] AT = { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } };

    /// <summary>output = conv(input, weight) + bias (bias empty for none), over <paramref name="batch"/> images.</summary>
    public static void Forward(in Conv2dGeometry g, int batch, ReadOnlySpan<double> input, ReadOnlySpan<double> weight, ReadOnlySpan<double> bias, Span<double> output)
    {
        double[,,,] u = TransformedFilters(weight, g.OutChannels, g.InChannels, rotate: false);
        Correlate(batch, input, g.InChannels, g.InHeight, g.InWidth, g.PaddingHeight, g.PaddingWidth, u, output, g.OutChannels, g.OutHeight, g.OutWidth);
        if (bias.IsEmpty) return;
        int plane = g.OutHeight * g.OutWidth;
        for (int i = 0; i < batch * g.OutputSize; i++) output[i] += bias[i / plane % g.OutChannels];
    }

    /// <summary>inputGradient = the correlation of the output gradient, padded by 2 − padding, with the turned, channel-swapped filters.</summary>
    public static void InputGradient(in Conv2dGeometry g, int batch, ReadOnlySpan<double> weight, ReadOnlySpan<double> outputGradient, Span<double> inputGradient)
    {
        double[,,,] u = TransformedFilters(weight, g.OutChannels, g.InChannels, rotate: true);
        Correlate(batch, outputGradient, g.OutChannels, g.OutHeight, g.OutWidth, 2 - g.PaddingHeight, 2 - g.PaddingWidth, u, inputGradient, g.InChannels, g.InHeight, g.InWidth);
    }

    /// <summary>weightGradient = Gᵀ [Σ over images and tiles of (A dY Aᵀ) ⊙ (Bᵀ d B)] G.</summary>
    public static void WeightGradient(in Conv2dGeometry g, int batch, ReadOnlySpan<double> input, ReadOnlySpan<double> outputGradient, Span<double> weightGradient)
    {
        int k = g.OutChannels, c = g.InChannels, tilesHigh = (g.OutHeight + 1) / 2, tilesWide = (g.OutWidth + 1) / 2;
        var du = new double[k, c, 4, 4];
        var d = new double[4, 4];
        var y = new double[2, 2];
        for (int n = 0; n < batch; n++)
        for (int ty = 0; ty < tilesHigh; ty++)
        for (int tx = 0; tx < tilesWide; tx++)
        for (int o = 0; o < k; o++)
        {
            for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
            {
                int yy = 2 * ty + i, xx = 2 * tx + j;
                y[i, j] = yy < g.OutHeight && xx < g.OutWidth ? outputGradient[((n * k + o) * g.OutHeight + yy) * g.OutWidth + xx] : 0;
            }
            double[,] z = Multiply(Multiply(Transpose(AT), y), AT);
            for (int ci = 0; ci < c; ci++)
            {
                Tile(input, n, ci, c, g.InHeight, g.InWidth, 2 * ty - g.PaddingHeight, 2 * tx - g.PaddingWidth, d);
                double[,] v = Multiply(Multiply(BT, d), Transpose(BT));
                for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    du[o, ci, i, j] += z[i, j] * v[i, j];
            }
        }
        var dui = new double[4, 4];
        for (int o = 0; o < k; o++)
        for (int ci = 0; ci < c; ci++)
        {
            for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                dui[i, j] = du[o, ci, i, j];
            double[,] dg = Multiply(Multiply(Transpose(G), dui), G);
            for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                weightGradient[((o * c + ci) * 3 + i) * 3 + j] = dg[i, j];
        }
    }

    // u[to, from, ·, ·] = G f Gᵀ, f the filter from channel `from` to channel `to`: weight[to, from] itself, or
    // for the input gradient (rotate) weight[from, to] turned by 180° (to is then an input channel).
    private static double[,,,] TransformedFilters(ReadOnlySpan<double> weight, int outChannels, int inChannels, bool rotate)
    {
        int to = rotate ? inChannels : outChannels, from = rotate ? outChannels : inChannels;
        var u = new double[to, from, 4, 4];
        var f = new double[3, 3];
        for (int a = 0; a < to; a++)
        for (int b = 0; b < from; b++)
        {
            for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                f[i, j] = rotate ? weight[((b * inChannels + a) * 3 + 2 - i) * 3 + 2 - j] : weight[((a * inChannels + b) * 3 + i) * 3 + j];
            double[,] t = Multiply(Multiply(G, f), Transpose(G));
            for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                u[a, b, i, j] = t[i, j];
        }
        return u;
    }

    // output[n, o] = Σ_c correlate(input[n, c] padded, filter o ← c), tile by tile.
    private static void Correlate(int batch, ReadOnlySpan<double> input, int inChannels, int inHeight, int inWidth, int padHeight, int padWidth,
        double[,,,] u, Span<double> output, int outChannels, int outHeight, int outWidth)
    {
        var d = new double[4, 4];
        var m = new double[4, 4];
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < outChannels; o++)
        for (int ty = 0; ty < (outHeight + 1) / 2; ty++)
        for (int tx = 0; tx < (outWidth + 1) / 2; tx++)
        {
            Array.Clear(m);
            for (int c = 0; c < inChannels; c++)
            {
                Tile(input, n, c, inChannels, inHeight, inWidth, 2 * ty - padHeight, 2 * tx - padWidth, d);
                double[,] v = Multiply(Multiply(BT, d), Transpose(BT));
                for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    m[i, j] += u[o, c, i, j] * v[i, j];
            }
            double[,] y = Multiply(Multiply(AT, m), Transpose(AT));
            for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
            {
                int yy = 2 * ty + i, xx = 2 * tx + j;
                if (yy < outHeight && xx < outWidth) output[((n * outChannels + o) * outHeight + yy) * outWidth + xx] = y[i, j];
            }
        }
    }

    // The 4×4 input tile whose top-left is (y0, x0), zero outside the image.
    private static void Tile(ReadOnlySpan<double> input, int n, int c, int channels, int height, int width, int y0, int x0, double[,] d)
    {
        for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
        {
            int y = y0 + i, x = x0 + j;
            d[i, j] = y >= 0 && y < height && x >= 0 && x < width ? input[((n * channels + c) * height + y) * width + x] : 0;
        }
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int rows = a.GetLength(0), inner = a.GetLength(1), columns = b.GetLength(1);
        var c = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < columns; j++)
        {
            double sum = 0;
            for (int p = 0; p < inner; p++) sum += a[i, p] * b[p, j];
            c[i, j] = sum;
        }
        return c;
    }

    private static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
        for (int j = 0; j < a.GetLength(1); j++)
            t[j, i] = a[i, j];
        return t;
    }
}

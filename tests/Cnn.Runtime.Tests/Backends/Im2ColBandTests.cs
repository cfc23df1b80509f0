using Cnn.Backends;
using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The row-range unfold and fold of <see cref="Im2Col"/>, band by band, against a naive column
/// matrix: entry (c, ky, kx; y, x) is input (c, y·sh − ph + ky·dh, x·sw − pw + kx·dw), or 0 in the
/// padding. Covers the "same" block-copy path and the general one.
/// </summary>
public unsafe class Im2ColBandTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "same-3x3", "same-7x1", "strided", "dilated", "non-square" })
        foreach (int bandRows in new[] { 1, 2, 5 })
            data.Add(name, bandRows);
        return data;
    }

    private static Conv2dGeometry Conv(string name) => name switch
    {
        "same-3x3" => Geometries.Conv(1, 3, 9, 7, 4, 3, padding: 1),
        "same-7x1" => Geometries.Conv(1, 2, 9, 6, 4, 7, 1, 1, 1, 3, 0, 1, 1, 1, true),
        "strided" => Geometries.Conv(1, 3, 13, 11, 4, 3, stride: 2, padding: 1),
        "dilated" => Geometries.Conv(1, 2, 12, 10, 4, 3, padding: 2, dilation: 2),
        "non-square" => Geometries.Conv(1, 3, 11, 13, 4, 3, 2, 2, 1, 1, 0, 1, 2, 1, true),
        _ => throw new ArgumentException(name),
    };

    /// <summary>The input index that column entry (row, y, x) reads, or −1 in the padding.</summary>
    private static int Source(in Conv2dGeometry g, int row, int y, int x)
    {
        int taps = g.KernelHeight * g.KernelWidth, c = row / taps, ky = row % taps / g.KernelWidth, kx = row % g.KernelWidth;
        int iy = y * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight, ix = x * g.StrideWidth - g.PaddingWidth + kx * g.DilationWidth;
        return iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth ? -1 : (c * g.InHeight + iy) * g.InWidth + ix;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnfoldRows_MatchesTheNaiveColumns(string name, int bandRows)
    {
        Conv2dGeometry g = Conv(name);
        int rows = g.InChannels * g.KernelHeight * g.KernelWidth;
        float[] image = TestArrays.UniformSingle(361, g.InputSize);
        for (int y0 = 0; y0 < g.OutHeight; y0 += bandRows)
        {
            int y1 = Math.Min(g.OutHeight, y0 + bandRows), columns = (y1 - y0) * g.OutWidth;
            float[] band = Enumerable.Repeat(7f, rows * columns).ToArray();
            fixed (float* input = image, output = band) Im2Col.Unfold(g, input, output, columns, y0, y1);
            for (int row = 0; row < rows; row++)
            for (int y = y0; y < y1; y++)
            for (int x = 0; x < g.OutWidth; x++)
            {
                int source = Source(g, row, y, x);
                Assert.Equal(source < 0 ? 0f : image[source], band[row * columns + (y - y0) * g.OutWidth + x]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldRows_OverAllBands_SumsEveryEntryOntoItsSource(string name, int bandRows)
    {
        Conv2dGeometry g = Conv(name);
        int rows = g.InChannels * g.KernelHeight * g.KernelWidth;
        float[] full = TestArrays.UniformSingle(362, rows * g.OutHeight * g.OutWidth);
        var expected = new double[g.InputSize];
        for (int row = 0; row < rows; row++)
        for (int y = 0; y < g.OutHeight; y++)
        for (int x = 0; x < g.OutWidth; x++)
        {
            int source = Source(g, row, y, x);
            if (source >= 0) expected[source] += full[(row * g.OutHeight + y) * g.OutWidth + x];
        }

        var image = new float[g.InputSize];
        for (int y0 = 0; y0 < g.OutHeight; y0 += bandRows)
        {
            int y1 = Math.Min(g.OutHeight, y0 + bandRows), columns = (y1 - y0) * g.OutWidth;
            var band = new float[rows * columns];
            for (int row = 0; row < rows; row++)
                Array.Copy(full, (row * g.OutHeight + y0) * g.OutWidth, band, row * columns, columns);
            fixed (float* input = band, output = image) Im2Col.Fold(g, input, output, columns, y0, y1);
        }
        GradientCheck.AssertRelative(TestArrays.ToSingle(expected), image, 1e-6, "folded");
    }
}

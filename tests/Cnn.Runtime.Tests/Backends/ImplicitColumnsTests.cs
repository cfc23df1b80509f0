using System.Runtime.Intrinsics.X86;
using Cnn.Backends;
using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The panels that <see cref="ImplicitColumns"/> packs straight from the images, against a naive
/// column matrix of the same images side by side: entry (c, ky, kx; image, y, x) is input
/// (image, c, y − ph + ky·dh, x − pw + kx·dw), or 0 in the padding. Blocks of rows and columns that
/// start anywhere, panels that run from one image into the next, narrow last panels, and a band
/// that starts inside the first image.
/// </summary>
public unsafe class ImplicitColumnsTests
{
    private const int Images = 3;

    public static TheoryData<string> Cases() => new() { "same-3x3", "same-5x5-6x6", "same-7x1", "dilated", "taller-output" };

    private static Conv2dGeometry Conv(string name) => name switch
    {
        "same-3x3" => Geometries.Conv(Images, 3, 9, 7, 4, 3, padding: 1),
        // 36 positions: most panels of 32 columns span two images.
        "same-5x5-6x6" => Geometries.Conv(Images, 2, 6, 6, 4, 5, padding: 2),
        "same-7x1" => Geometries.Conv(Images, 2, 9, 6, 4, 7, 1, 1, 1, 3, 0, 1, 1, 1, true),
        "dilated" => Geometries.Conv(Images, 2, 8, 7, 4, 3, padding: 2, dilation: 2),
        // Output rows as wide as the input's, but more of them than the input has.
        "taller-output" => Geometries.Conv(Images, 2, 5, 8, 4, 3, 3, 1, 1, 2, 1, 1, 1, 1, true),
        _ => throw new ArgumentException(name),
    };

    /// <summary>The input index that column entry (row, column) reads, or −1 in the padding.</summary>
    private static int Source(in Conv2dGeometry g, int row, int column)
    {
        int plane = g.OutHeight * g.OutWidth, image = column / plane, y = column % plane / g.OutWidth, x = column % g.OutWidth;
        int taps = g.KernelHeight * g.KernelWidth, c = row / taps, ky = row % taps / g.KernelWidth, kx = row % g.KernelWidth;
        int iy = y - g.PaddingHeight + ky * g.DilationHeight, ix = x - g.PaddingWidth + kx * g.DilationWidth;
        return iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth ? -1 : image * g.InputSize + (c * g.InHeight + iy) * g.InWidth + ix;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Panels_MatchTheNaiveColumns(string name)
    {
        if (!Avx512F.IsSupported) return; // the implicit path runs only with AVX-512; elsewhere Im2Col serves
        Conv2dGeometry g = Conv(name);
        Assert.True(ImplicitColumns.Applies(g, SgemmKernels.Best), $"{name} should take the implicit path");
        int depth = g.InChannels * g.KernelHeight * g.KernelWidth, plane = g.OutHeight * g.OutWidth, columns = Images * plane;
        float[] images = TestArrays.UniformSingle(371, Images * g.InputSize);
        var implicitColumns = new ImplicitColumns(g);
        var ws = new GemmWorkspace(SgemmKernels.Best, 8, columns, depth);
        var blocks = new (int Pc, int Kc, int Jc, int Nc, int FirstColumn)[]
        {
            (0, depth, 0, columns, 0),                 // everything at once, the last panel ragged
            (1, depth - 3, 5, columns - 9, 0),         // rows and columns that start mid-tap, mid-panel
            (depth / 2, depth - depth / 2, 0, 13, 0),  // one narrow panel
            (0, depth, 0, columns - plane / 2 - 1, plane / 2 + 1), // a band that starts inside the first image
        };
        fixed (float* x = images)
        {
            foreach (var (pc, kc, jc, nc, firstColumn) in blocks)
            {
                new Span<float>(ws.PackB, ws.PackBCapacity).Fill(float.NaN);
                ImplicitColumns.Source source = implicitColumns.For(x, firstColumn);
                source.Pack(ws, pc, kc, jc, nc);
                for (int q = 0; q < nc; q += 32)
                {
                    int panelColumns = Math.Min(32, nc - q), width = SgemmKernels.PanelWidth(SgemmKernels.Best, panelColumns);
                    for (int r = 0; r < kc; r++)
                    for (int j = 0; j < panelColumns; j++)
                    {
                        int at = Source(g, pc + r, firstColumn + jc + q + j);
                        float expected = at < 0 ? 0f : images[at];
                        Assert.True(expected.Equals(ws.PackB[(long)q * kc + r * width + j]),
                            $"{name}, block ({pc}, {kc}, {jc}, {nc}, {firstColumn}): row {pc + r}, column {jc + q + j}: expected {expected}, got {ws.PackB[(long)q * kc + r * width + j]}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Applies_OnlyToStrideOneConvolutionsAsWideAsTheirInput()
    {
        if (!Avx512F.IsSupported) return;
        Assert.True(ImplicitColumns.Applies(Geometries.Conv(1, 32, 14, 14, 64, 3, padding: 1), SgemmKernels.Best));
        Assert.False(ImplicitColumns.Applies(Geometries.Conv(1, 32, 14, 14, 64, 3), SgemmKernels.Best));             // valid: narrower output
        Assert.False(ImplicitColumns.Applies(Geometries.Conv(1, 4, 10, 9, 6, 3, stride: 2, padding: 1), SgemmKernels.Best));
        Assert.False(ImplicitColumns.Applies(Geometries.Conv(1, 4, 8, 7, 6, 3, padding: 1, groups: 2), SgemmKernels.Best));
        Assert.False(ImplicitColumns.Applies(Geometries.Conv(1, 4, 4, 4, 6, 3, padding: 1), SgemmKernels.Best));     // 16 positions: a panel would span three images
        Assert.False(ImplicitColumns.Applies(Geometries.Conv(1, 32, 14, 14, 64, 3, padding: 1), GemmKernel.Avx2));
    }
}

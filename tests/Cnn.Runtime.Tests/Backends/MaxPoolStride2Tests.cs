using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// Max pools with a column stride of 2, which run <see cref="MaxPoolStride2"/> where AVX-512 is,
/// through the fast backend's pool operator against the reference pool in double (exact: a max
/// rounds nothing): ResNet-18's 3×3 stride-2 padding-1 pool on 112 → 56 columns (whole groups of 16
/// and a short last one), odd widths whose last window is clipped or falls half into the padding,
/// kernels 1 to 5 wide, padding 0 to 2, a ceil-mode extent whose last window starts in the padding,
/// a (2, 1) stride, a non-square kernel, batch 1 and 3, one and two workers; and a plane with a
/// NaN, which the reference's rule serves.
/// </summary>
public class MaxPoolStride2Tests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string name in new[] { "resnet-112", "k3-p1-odd-33", "k2-p0-even-34", "k4-p2-47", "k5-p2-19", "k1-p0-31", "k3-p1-ceil-36", "k3x5-s1x2-p1x2-29", "k3-p0-13" })
        foreach (int batch in new[] { 1, 3 })
        foreach (int threads in new[] { 1, 2 })
            data.Add(name, batch, threads);
        return data;
    }

    private static Pool2dGeometry Pool(string name, int batch) => name switch
    {
        "resnet-112" => Geometries.Pool(PoolKind.Max, batch, 4, 112, 112, 3, 2, 1),
        "k3-p1-odd-33" => Geometries.Pool(PoolKind.Max, batch, 3, 9, 33, 3, 2, 1),
        "k2-p0-even-34" => Geometries.Pool(PoolKind.Max, batch, 3, 8, 34, 2, 2),
        "k4-p2-47" => Geometries.Pool(PoolKind.Max, batch, 2, 11, 47, 4, 2, 2),
        "k5-p2-19" => Geometries.Pool(PoolKind.Max, batch, 2, 7, 19, 5, 2, 2),
        "k1-p0-31" => Geometries.Pool(PoolKind.Max, batch, 2, 5, 31, 1, 2),
        "k3-p1-ceil-36" => Geometries.Pool(PoolKind.Max, batch, 2, 10, 36, 3, 2, 1, ceil: true),
        "k3x5-s1x2-p1x2-29" => Geometries.Pool(PoolKind.Max, batch, 2, 9, 29, (3, 5), (1, 2), (1, 2)),
        "k3-p0-13" => Geometries.Pool(PoolKind.Max, batch, 3, 13, 13, 3, 2),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaxPoolStride2_MatchesTheReferenceInDouble(string name, int batch, int threads)
    {
        Pool2dGeometry g = Pool(name, batch);
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, MaxPoolStride2.Applies(new PoolPlanes.Windows(g)));
        float[] x = TestArrays.UniformSingle(611, batch * g.InputSize);
        Assert.Equal(Reference(g, batch, x), Fast(g, batch, x, threads));
    }

    [Fact]
    public void MaxPoolStride2_APlaneWithANaN_FollowsTheReference()
    {
        Pool2dGeometry g = Pool("resnet-112", 2);
        float[] x = TestArrays.UniformSingle(612, 2 * g.InputSize);
        x[g.InputSize + 112 * 40 + 57] = float.NaN; // image 1, channel 0, row 40, column 57
        float[] expected = Reference(g, 2, x), actual = Fast(g, 2, x, 2);
        Assert.Equal(expected, actual);
        Assert.Contains(actual, float.IsNaN);
    }

    private static float[] Reference(in Pool2dGeometry g, int batch, float[] x)
    {
        double[] y = new double[batch * g.OutputSize];
        Pool2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), y);
        return TestArrays.ToSingle(y);
    }

    private static float[] Fast(in Pool2dGeometry g, int batch, float[] x, int threads)
    {
        using var h = new BackendHarness(CpuKernels.Fast, threads);
        IPool2dOperator pool = h.Backend.CreatePool2d(g);
        Tensor output = h.Stale(batch * g.OutputSize);
        pool.Forward(batch, h.Upload(x), output);
        return h.Read(output);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferenceConv2dTests
{
    public static TheoryData<string> Cases => new() { "plain", "stride2-padding1", "dilation2-padding2", "groups2", "rectangular-no-bias", "depthwise" };

    private static Conv2dGeometry Case(string name) => name switch
    {
        "plain" => Geometries.Conv(2, 3, 5, 6, 4, 3),
        "stride2-padding1" => Geometries.Conv(2, 2, 7, 6, 3, 3, stride: 2, padding: 1),
        "dilation2-padding2" => Geometries.Conv(2, 2, 7, 7, 2, 3, padding: 2, dilation: 2),
        "groups2" => Geometries.Conv(2, 4, 5, 5, 6, 3, padding: 1, groups: 2),
        "rectangular-no-bias" => Geometries.Conv(2, 2, 5, 6, 3, 2, 3, 1, 2, 1, 0, 1, 1, 1, bias: false),
        "depthwise" => Geometries.Conv(1, 3, 5, 5, 6, 3, stride: 2, padding: 1, groups: 3),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2dForward_MatchesDirectSumOverZeroPaddedInput(string name)
    {
        Conv2dGeometry g = Case(name);
        int batch = g.MaxBatch;
        double[] x = TestArrays.Uniform(1, batch * g.InputSize), w = TestArrays.Uniform(2, g.WeightSize), b = TestArrays.Uniform(3, g.OutChannels);
        var actual = new double[batch * g.OutputSize];
        Conv2dReference.Forward<double>(g, batch, x, w, g.HasBias ? b : default, actual);

        // Pad explicitly, then sum with no bounds tests: a different route to the same numbers.
        int ph = g.InHeight + 2 * g.PaddingHeight, pw = g.InWidth + 2 * g.PaddingWidth;
        var padded = new double[batch, g.InChannels, ph, pw];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < g.InChannels; c++)
        for (int y = 0; y < g.InHeight; y++)
        for (int xx = 0; xx < g.InWidth; xx++)
            padded[n, c, y + g.PaddingHeight, xx + g.PaddingWidth] = x[((n * g.InChannels + c) * g.InHeight + y) * g.InWidth + xx];

        int cin = g.InChannels / g.Groups, cout = g.OutChannels / g.Groups;
        var expected = new double[actual.Length];
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            double sum = g.HasBias ? b[o] : 0;
            for (int c = 0; c < cin; c++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
                sum += padded[n, o / cout * cin + c, oy * g.StrideHeight + ky * g.DilationHeight, ox * g.StrideWidth + kx * g.DilationWidth]
                       * w[((o * cin + c) * g.KernelHeight + ky) * g.KernelWidth + kx];
            expected[((n * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox] = sum;
        }

        GradientCheck.AssertClose(expected, actual, 1e-12, "output");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conv2dBackward_MatchesFiniteDifferences(string name)
    {
        Conv2dGeometry g = Case(name);
        int batch = g.MaxBatch;
        double[] x = TestArrays.Uniform(4, batch * g.InputSize), w = TestArrays.Uniform(5, g.WeightSize), b = TestArrays.Uniform(6, g.OutChannels);
        double[] r = TestArrays.Uniform(7, batch * g.OutputSize);
        var output = new double[r.Length];
        double Loss()
        {
            Conv2dReference.Forward<double>(g, batch, x, w, g.HasBias ? b : default, output);
            return GradientCheck.Dot(output, r);
        }

        // Stale values in the gradients prove that backward overwrites rather than accumulates.
        double[] dx = Enumerable.Repeat(9.0, x.Length).ToArray(), dw = Enumerable.Repeat(9.0, w.Length).ToArray(), db = Enumerable.Repeat(9.0, b.Length).ToArray();
        Conv2dReference.Backward<double>(g, batch, x, w, r, dx, dw, g.HasBias ? db : default);

        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, x), dx, 1e-7, "inputGradient");
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, w), dw, 1e-7, "weightGradient");
        if (g.HasBias) GradientCheck.AssertClose(GradientCheck.Numerical(Loss, b), db, 1e-7, "biasGradient");
    }

    [Fact]
    public void Conv2dBackward_WithEmptyInputGradient_StillWritesParameterGradients()
    {
        Conv2dGeometry g = Case("stride2-padding1");
        double[] x = TestArrays.Uniform(8, 2 * g.InputSize), w = TestArrays.Uniform(9, g.WeightSize), r = TestArrays.Uniform(10, 2 * g.OutputSize);
        double[] dx = new double[x.Length], dw1 = new double[w.Length], dw2 = new double[w.Length], db1 = new double[g.OutChannels], db2 = new double[g.OutChannels];
        Conv2dReference.Backward<double>(g, 2, x, w, r, dx, dw1, db1);
        Conv2dReference.Backward<double>(g, 2, x, w, r, default, dw2, db2);
        Assert.Equal(dw1, dw2);
        Assert.Equal(db1, db2);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The compact masks a training plan keeps instead of full tensors (<see cref="CompactMasks"/>): ReLU's
/// bit mask and max pooling's byte indices, on the reference and fast kernels. Each forward must give
/// the plain forward's output, and each backward from the mask alone must give, exactly, the gradient
/// of a naive computation from the full input (first maximum of each window; dy where the output
/// is positive, in double).
/// </summary>
public class CompactMaskTests
{
    public static TheoryData<string, int, int, int> ActivationCases() => new()
    {
        { "relu", 3, 70, 1 },
        { "relu", 5, 64, 2 },
        { "relu", 2, 7, 2 },
        { "leaky", 4, 100, 1 },
        { "leaky0", 2, 33, 2 },
        // At least 2^15 floats: the fast kernels split the samples over the workers (an odd share, and more workers than two).
        { "relu", 8, 4100, 2 },
        { "relu", 7, 5000, 3 },
        { "leaky", 5, 8001, 2 },
    };

    [Theory]
    [MemberData(nameof(ActivationCases))]
    public void ActivationMask_ForwardAndBackward_MatchTheFullOutput(string kind, int batch, int features, int threads)
    {
        float slope = kind == "leaky" ? 0.2f : 0f;
        var g = new ActivationGeometry(kind == "relu" ? ActivationKind.ReLU : ActivationKind.LeakyReLU, 8, features, slope);
        float[] x = TestArrays.UniformSingle(501, batch * features), dy = TestArrays.UniformSingle(502, batch * features);
        for (int i = 0; i < x.Length; i += 9) x[i] = 0f;  // exact zeros: no gradient through ReLU
        int words = CompactMasks.ActivationMaskFloats(features);

        double[] expectedY = new double[x.Length], expectedDx = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            expectedY[i] = x[i] < 0 ? (double)x[i] * slope : x[i];
            expectedDx[i] = expectedY[i] > 0 ? dy[i] : (double)dy[i] * slope;
        }

        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        foreach (bool inPlace in new[] { false, true })
        {
            using var h = new BackendHarness(kernels, threads);
            IActivationOperator op = h.Backend.CreateActivation(g);
            Tensor input = h.Upload(x), output = inPlace ? input : h.Stale(x.Length), mask = h.Stale(batch * words, float.NaN);
            op.ForwardSavingMask(batch, input, output, mask);
            Assert.Equal(TestArrays.ToSingle(expectedY), h.Read(output));

            Tensor outputGradient = h.Upload(dy), inputGradient = inPlace ? outputGradient : h.Stale(dy.Length);
            op.BackwardFromMask(batch, mask, outputGradient, inputGradient);
            Assert.Equal(TestArrays.ToSingle(expectedDx), h.Read(inputGradient));
        }
    }

    [Theory]
    [InlineData("2x2", 1)]
    [InlineData("2x2-odd", 2)]
    [InlineData("3x3s2p1", 2)]
    [InlineData("3x3s1p1", 1)]
    [InlineData("ceil", 2)]
    [InlineData("1x3", 2)]
    [InlineData("ties", 2)]
    [InlineData("2x2-wide", 2)]
    [InlineData("2x2-wide-odd", 1)]
    [InlineData("ties-wide", 2)]
    [InlineData("3x3s2-wide", 2)]
    [InlineData("3x3s2p1-wide", 1)]
    [InlineData("3x3s1p1-wide", 2)]
    [InlineData("ties-3x3s2-wide", 2)]
    [InlineData("3x3s2p1-even", 2)]
    [InlineData("ties-3x3s2p1-even", 1)]
    [InlineData("3x3s2p1-35x33", 1)]
    [InlineData("ties-3x3s2p1-35x33", 2)]
    public void MaxPoolIndices_ForwardAndBackward_MatchTheFullInput(string name, int threads)
    {
        const int batch = 3;
        Pool2dGeometry g = name switch
        {
            "2x2" or "ties" => Geometries.Pool(PoolKind.Max, 4, 5, 8, 10, 2, 2),
            // 16 windows at a time on the fast path, then a scalar tail, and odd edges no window covers.
            "2x2-wide" or "ties-wide" => Geometries.Pool(PoolKind.Max, 4, 3, 6, 70, 2, 2),
            "2x2-wide-odd" => Geometries.Pool(PoolKind.Max, 4, 2, 7, 67, 2, 2),
            "2x2-odd" => Geometries.Pool(PoolKind.Max, 4, 3, 9, 7, 2, 2),
            "3x3s2p1" => Geometries.Pool(PoolKind.Max, 4, 4, 11, 12, 3, 2, 1),
            "3x3s1p1" => Geometries.Pool(PoolKind.Max, 4, 2, 6, 5, 3, 1, 1),
            // Unclipped windows 16 at a time (stride 2: even and odd lanes of two loads), then a masked tail;
            // the last window ends at the plane's last element.
            "3x3s2-wide" or "ties-3x3s2-wide" => Geometries.Pool(PoolKind.Max, 4, 3, 9, 39, 3, 2),
            // Clipped first and last columns one at a time, the 14 between them in one masked vector.
            "3x3s2p1-wide" => Geometries.Pool(PoolKind.Max, 4, 2, 31, 31, 3, 2, 1),
            // Stride 1: 35 unclipped windows, two vectors and a tail of 3.
            // The ResNet stem's pool on an even plane: 16 unclipped windows a row, whose whole-vector loads
            // run into the next row (and, on the last row, would run past the plane, so stay masked).
            "3x3s2p1-even" or "ties-3x3s2p1-even" => Geometries.Pool(PoolKind.Max, 4, 3, 34, 34, 3, 2, 1),
            // Odd height, odd width: 15 unclipped windows a row, and a last window at the plane's last element.
            "3x3s2p1-35x33" or "ties-3x3s2p1-35x33" => Geometries.Pool(PoolKind.Max, 4, 2, 35, 33, 3, 2, 1),
            "3x3s1p1-wide" => Geometries.Pool(PoolKind.Max, 4, 2, 5, 37, 3, 1, 1),
            "ceil" => Geometries.Pool(PoolKind.Max, 4, 3, 8, 8, 3, 2, 0, ceil: true),
            "1x3" => Geometries.Pool(PoolKind.Max, 4, 3, 6, 9, (1, 3), (1, 2), (0, 1)),
            _ => throw new ArgumentException(name),
        };
        float[] x = TestArrays.UniformSingle(511, batch * g.InputSize), dy = TestArrays.UniformSingle(512, batch * g.OutputSize);
        // Few distinct values, so that windows hold ties: the first maximum takes the gradient.
        if (name.StartsWith("ties", StringComparison.Ordinal)) x = Array.ConvertAll(x, v => MathF.Round(v * 2f));
        (float[] expectedY, float[] expectedDx) = Naive(g, batch, x, dy);

        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        {
            using var h = new BackendHarness(kernels, threads);
            IPool2dOperator op = h.Backend.CreatePool2d(g);
            Tensor input = h.Upload(x), output = h.Stale(batch * g.OutputSize);
            Tensor indices = h.Stale(batch * CompactMasks.PoolIndexFloats(g.OutputSize), float.NaN);
            op.ForwardSavingIndices(batch, input, output, indices);
            Assert.Equal(expectedY, h.Read(output));

            // The input is gone by backward in a planned network: overwrite it to show that nothing reads it.
            h.Backend.Fill(input, float.NaN);
            Tensor inputGradient = h.Stale(batch * g.InputSize);
            op.BackwardFromIndices(batch, indices, h.Upload(dy), inputGradient);
            Assert.Equal(expectedDx, h.Read(inputGradient));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void MaxPoolIndices_PlaneWithNaN_FollowsTheReferenceRule(int kernel)
    {
        // A NaN wins its window (the first one, when there are two), as in PyTorch; the fast kernels leave such planes to the exact path.
        const int batch = 2;
        Pool2dGeometry g = Geometries.Pool(PoolKind.Max, 4, 2, 6, 40, kernel, 2);
        float[] x = TestArrays.UniformSingle(521, batch * g.InputSize), dy = TestArrays.UniformSingle(522, batch * g.OutputSize);
        x[4] = float.NaN;
        x[5] = float.NaN;
        x[g.InputSize + 100] = float.NaN;
        var results = new List<(float[] Y, float[] Dx)>();
        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        {
            using var h = new BackendHarness(kernels, 2);
            IPool2dOperator op = h.Backend.CreatePool2d(g);
            Tensor output = h.Stale(batch * g.OutputSize), indices = h.Stale(batch * CompactMasks.PoolIndexFloats(g.OutputSize)), dx = h.Stale(batch * g.InputSize);
            op.ForwardSavingIndices(batch, h.Upload(x), output, indices);
            op.BackwardFromIndices(batch, indices, h.Upload(dy), dx);
            results.Add((h.Read(output), h.Read(dx)));
        }
        Assert.Equal(results[0].Y, results[1].Y);
        Assert.Equal(results[0].Dx, results[1].Dx);
        Assert.True(float.IsNaN(results[1].Y[2]));
        // 3-wide windows at stride 2 overlap: windows 1 (columns 2..4) and 2 (4..6) both take the NaN at column 4.
        Assert.Equal(kernel == 2 ? dy[2] : 0f + dy[1] + dy[2], results[1].Dx[4]);
        Assert.Equal(0f, results[1].Dx[5]);
    }

    [Theory]
    [InlineData(34, 34)]
    [InlineData(35, 33)]
    public void MaxPoolIndices_PaddedStride2PlaneWithNaN_MatchesTheReference(int height, int width)
    {
        // 3×3, stride 2, padding 1 (the ResNet stem's pool): NaNs in one plane only, the first in an unclipped
        // window, the second in the last row and column; ties elsewhere. The other planes run the fast path,
        // whose whole-vector loads also read elements outside their windows: those must change nothing.
        const int batch = 2;
        Pool2dGeometry g = Geometries.Pool(PoolKind.Max, 4, 3, height, width, 3, 2, 1);
        float[] x = Array.ConvertAll(TestArrays.UniformSingle(531, batch * g.InputSize), v => MathF.Round(v * 2f));
        float[] dy = TestArrays.UniformSingle(532, batch * g.OutputSize);
        int plane = g.InHeight * g.InWidth;
        x[plane + 5 * width + 9] = float.NaN;
        x[2 * plane - 1] = float.NaN;
        // A NaN in plane 4's first column, which only its clipped window (1, 0) covers, though the whole-vector
        // loads of row 1's unclipped windows read it in lanes past the row's end.
        x[4 * plane + 2 * width] = float.NaN;
        var results = new List<(float[] Y, float[] Dx)>();
        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        {
            using var h = new BackendHarness(kernels, 2);
            IPool2dOperator op = h.Backend.CreatePool2d(g);
            Tensor output = h.Stale(batch * g.OutputSize), indices = h.Stale(batch * CompactMasks.PoolIndexFloats(g.OutputSize)), dx = h.Stale(batch * g.InputSize);
            op.ForwardSavingIndices(batch, h.Upload(x), output, indices);
            op.BackwardFromIndices(batch, indices, h.Upload(dy), dx);
            results.Add((h.Read(output), h.Read(dx)));
        }
        Assert.Equal(results[0].Y, results[1].Y);
        Assert.Equal(results[0].Dx, results[1].Dx);
        int outPlane = g.OutHeight * g.OutWidth;
        // Window (oy 2, ox 4) covers rows 3..5 and columns 7..9 of plane 1.
        Assert.True(float.IsNaN(results[1].Y[outPlane + 2 * g.OutWidth + 4]));
        Assert.True(float.IsNaN(results[1].Y[2 * outPlane - 1]));
        Assert.True(float.IsNaN(results[1].Y[4 * outPlane + g.OutWidth]));
        // Plane 1's first NaN is in four windows (rows 3..5 and 5..7, columns 7..9 and 9..11), the others in one each.
        Assert.Equal(6, results[1].Y.Count(float.IsNaN));
    }

    [Fact]
    public void CompactMasks_RefuseKindsThatHaveNone()
    {
        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        {
            using var k = new BackendHarness(kernels, 1);
            Tensor t = k.Stale(64);
            var sigmoid = k.Backend.CreateActivation(new ActivationGeometry(ActivationKind.Sigmoid, 1, 16));
            var error = Assert.Throws<NotSupportedException>(() => sigmoid.ForwardSavingMask(1, t, t, t));
            Assert.Contains("Sigmoid", error.Message);
            var leaky = k.Backend.CreateActivation(new ActivationGeometry(ActivationKind.LeakyReLU, 1, 16, -0.5f));
            Assert.Throws<NotSupportedException>(() => leaky.BackwardFromMask(1, t, t, t));
            var average = k.Backend.CreatePool2d(Geometries.Pool(PoolKind.Average, 1, 1, 4, 4, 2, 2));
            error = Assert.Throws<NotSupportedException>(() => average.ForwardSavingIndices(1, t, t, t));
            Assert.Contains("Average", error.Message);
            var wide = k.Backend.CreatePool2d(Geometries.Pool(PoolKind.Max, 1, 1, 16, 16, 16, 16));
            Assert.Throws<NotSupportedException>(() => wide.ForwardSavingIndices(1, t, t, t));
        }
    }

    /// <summary>
    /// Max pooling and its gradient by naive loops: each window's first maximum among the input
    /// elements it covers takes the window's gradient, added in output order (PyTorch's), in float.
    /// </summary>
    private static (float[] Y, float[] Dx) Naive(Pool2dGeometry g, int batch, float[] x, float[] dy)
    {
        float[] y = new float[batch * g.OutputSize], dx = new float[batch * g.InputSize];
        for (int plane = 0; plane < batch * g.Channels; plane++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            int best = -1;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = oy * g.StrideHeight - g.PaddingHeight + ky, ix = ox * g.StrideWidth - g.PaddingWidth + kx;
                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                int at = (plane * g.InHeight + iy) * g.InWidth + ix;
                if (best < 0 || x[at] > x[best]) best = at;
            }
            int o = (plane * g.OutHeight + oy) * g.OutWidth + ox;
            y[o] = x[best];
            dx[best] += dy[o];
        }
        return (y, dx);
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// A frozen parameter's gradient is passed as an empty tensor: the operator skips it, leaves the
/// gradient arena where it would have gone untouched, and computes the other gradients bit for bit
/// as when it computes everything.
/// </summary>
public class SkippedWeightGradientTests
{
    private const float Stale = 7f;

    public static TheoryData<CpuKernels, string, int> ConvCases()
    {
        var data = new TheoryData<CpuKernels, string, int>();
        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        foreach (string name in new[] { "odd", "groups2", "pointwise", "no-bias", "wide", "banded" })
        foreach (int batch in new[] { 1, 7 })
            data.Add(kernels, name, batch);
        return data;
    }

    private static (Conv2dGeometry Geometry, long ColumnCap) Conv(string name, int batch) => name switch
    {
        "odd" => (Geometries.Conv(batch, 3, 9, 11, 5, 3), 0),
        "groups2" => (Geometries.Conv(batch, 4, 8, 7, 6, 3, padding: 1, groups: 2), 0),
        "pointwise" => (Geometries.Conv(batch, 6, 5, 7, 9, 1), 0),
        "no-bias" => (Geometries.Conv(batch, 2, 7, 13, 7, 3, padding: 1, bias: false), 0),
        "wide" => (Geometries.Conv(batch, 16, 13, 12, 40, 3, padding: 1), 0),
        // A column cap of 5 output rows: the fast kernel runs each image in bands.
        "banded" => (Geometries.Conv(64, 8, 13, 11, 12, 3, padding: 1), 8L * 9 * 11 * 5),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2dBackward_SkipsAnEmptyWeightGradient_LeavingItsMemoryAndTheOtherGradientsAsComputed(CpuKernels kernels, string name, int batch)
    {
        (Conv2dGeometry g, long cap) = Conv(name, batch);
        float[] x = TestArrays.UniformSingle(61, batch * g.InputSize), w = TestArrays.UniformSingle(62, g.WeightSize);
        float[] b = TestArrays.UniformSingle(63, g.OutChannels), dy = TestArrays.UniformSingle(64, batch * g.OutputSize);
        using var h = new BackendHarness(kernels, threads: 3);
        IConv2dOperator conv = cap > 0 && kernels == CpuKernels.Fast ? new FastConv2dOperator(g, h.Backend.Pool, cap) : h.Backend.CreateConv2d(g);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = g.HasBias ? h.Upload(b) : default, outputGradient = h.Upload(dy);
        conv.Forward(batch, input, weight, bias, h.Stale(batch * g.OutputSize));

        Gradients all = Run(h, g.WeightSize, g.HasBias ? g.OutChannels : 0, x.Length,
            (dx, dw, db) => conv.Backward(batch, input, weight, outputGradient, dx, dw, db), skipWeight: false, skipBias: false);
        Gradients frozenWeight = Run(h, g.WeightSize, g.HasBias ? g.OutChannels : 0, x.Length,
            (dx, dw, db) => conv.Backward(batch, input, weight, outputGradient, dx, dw, db), skipWeight: true, skipBias: false);
        Gradients frozenLayer = Run(h, g.WeightSize, g.HasBias ? g.OutChannels : 0, x.Length,
            (dx, dw, db) => conv.Backward(batch, input, weight, outputGradient, dx, dw, db), skipWeight: true, skipBias: true);

        AssertSkipped(all, frozenWeight, skipBias: false);
        AssertSkipped(all, frozenLayer, skipBias: true);
        // Nothing to compute at all (a frozen first layer) is no error and writes nothing.
        conv.Backward(batch, input, weight, outputGradient, default, default, default);
    }

    public static TheoryData<CpuKernels, int, int, int, bool> LinearCases()
    {
        var data = new TheoryData<CpuKernels, int, int, int, bool>();
        foreach (CpuKernels kernels in new[] { CpuKernels.Reference, CpuKernels.Fast })
        {
            data.Add(kernels, 1, 37, 19, true);
            data.Add(kernels, 7, 300, 70, true);
            data.Add(kernels, 64, 128, 10, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void LinearBackward_SkipsAnEmptyWeightGradient_LeavingItsMemoryAndTheOtherGradientsAsComputed(CpuKernels kernels, int batch, int inFeatures, int outFeatures, bool hasBias)
    {
        var g = new LinearGeometry(64, inFeatures, outFeatures, hasBias);
        float[] x = TestArrays.UniformSingle(71, batch * inFeatures), w = TestArrays.UniformSingle(72, g.WeightSize);
        float[] b = TestArrays.UniformSingle(73, outFeatures), dy = TestArrays.UniformSingle(74, batch * outFeatures);
        using var h = new BackendHarness(kernels, threads: 3);
        ILinearOperator linear = h.Backend.CreateLinear(g);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = hasBias ? h.Upload(b) : default, outputGradient = h.Upload(dy);
        linear.Forward(batch, input, weight, bias, h.Stale(batch * outFeatures));

        Gradients all = Run(h, g.WeightSize, hasBias ? outFeatures : 0, x.Length,
            (dx, dw, db) => linear.Backward(batch, input, weight, outputGradient, dx, dw, db), skipWeight: false, skipBias: false);
        Gradients frozenWeight = Run(h, g.WeightSize, hasBias ? outFeatures : 0, x.Length,
            (dx, dw, db) => linear.Backward(batch, input, weight, outputGradient, dx, dw, db), skipWeight: true, skipBias: false);
        Gradients frozenLayer = Run(h, g.WeightSize, hasBias ? outFeatures : 0, x.Length,
            (dx, dw, db) => linear.Backward(batch, input, weight, outputGradient, dx, dw, db), skipWeight: true, skipBias: true);

        AssertSkipped(all, frozenWeight, skipBias: false);
        AssertSkipped(all, frozenLayer, skipBias: true);
        linear.Backward(batch, input, weight, outputGradient, default, default, default);
    }

    /// <summary>The input gradient, and the weight then bias regions of one parameter-gradient arena, as read back after the call.</summary>
    private sealed record Gradients(float[] Input, float[] Weight, float[] Bias);

    private static Gradients Run(BackendHarness h, int weightSize, int biasSize, int inputSize, Action<Tensor, Tensor, Tensor> backward, bool skipWeight, bool skipBias)
    {
        Tensor arena = h.Stale(weightSize + biasSize, Stale), dx = h.Stale(inputSize, Stale);
        Tensor dw = arena.Slice(0, weightSize), db = biasSize > 0 ? arena.Slice(weightSize, biasSize) : default;
        backward(dx, skipWeight ? default : dw, skipBias ? default : db);
        return new Gradients(h.Read(dx), h.Read(dw), biasSize > 0 ? h.Read(db) : []);
    }

    private static void AssertSkipped(Gradients all, Gradients skipped, bool skipBias)
    {
        Assert.Equal(all.Input, skipped.Input);
        Assert.All(skipped.Weight, v => Assert.Equal(Stale, v));
        Assert.DoesNotContain(Stale, all.Weight);
        if (skipBias) Assert.All(skipped.Bias, v => Assert.Equal(Stale, v));
        else Assert.Equal(all.Bias, skipped.Bias);
    }
}

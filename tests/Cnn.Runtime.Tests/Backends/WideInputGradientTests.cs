using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The input gradient of a stride-1 convolution as the wide kernel's forward pass of dY with the
/// turned filters (<see cref="WideChannelVectorConvolution.InputGradientGeometry"/>), through the fast
/// backend's convolution, against the reference backward in double; the weight and bias gradients of
/// the same call too, since they take their own paths after it.
/// </summary>
public class WideInputGradientTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<int, int, int, int, int, int, int, int> Cases() => new()
    {
        // inChannels, height, width, outChannels, kernel, padding, batch, threads
        { 32, 14, 14, 64, 3, 1, 3, 2 },   // the MNIST tutorial net's conv2: a share of the images per worker
        { 64, 15, 15, 40, 4, 1, 2, 2 },   // a 4×4 kernel (the CIFAR net's conv2 shape), dY padded by 2
        { 48, 9, 11, 24, 5, 2, 1, 1 },    // 5×5, padding 2; a last block of 16 input channels
        { 33, 8, 7, 20, 3, 0, 2, 2 },     // unpadded: dY padded by 2; a last block of one channel
        { 40, 6, 6, 36, 3, 2, 1, 2 },     // padding 2: dY not padded; one image, one worker busy
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void InputGradientOnTheWideKernel_MatchesTheReferenceInDouble(int inChannels, int height, int width, int outChannels, int kernel, int padding, int batch, int threads)
    {
        Conv2dGeometry g = Geometries.Conv(4, inChannels, height, width, outChannels, kernel, padding: padding);
        if (!WideChannelVectorConvolution.Applies(g)) return; // AVX-512 only; elsewhere im2col serves
        ulong s = (ulong)(3000 + inChannels + kernel);
        float[] x = TestArrays.UniformSingle(s, batch * g.InputSize), w = TestArrays.UniformSingle(s + 1, g.WeightSize), dy = TestArrays.UniformSingle(s + 2, batch * g.OutputSize);
        double[] dx = new double[batch * g.InputSize], dw = new double[g.WeightSize], db = new double[outChannels];
        Conv2dReference.Backward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(dy), dx, dw, db);

        using var h = new BackendHarness(CpuKernels.Fast, threads);
        var conv = new FastConv2dOperator(g, h.Backend.Pool, winograd: false, wideInputGradient: true);
        Assert.True(conv.UsesWideInputGradient);
        Tensor input = h.Upload(x), weight = h.Upload(w), outputGradient = h.Upload(dy);
        Tensor inputGrad = h.Stale(batch * g.InputSize), weightGrad = h.Stale(g.WeightSize), biasGrad = h.Stale(outChannels);
        conv.Backward(batch, input, weight, outputGradient, inputGrad, weightGrad, biasGrad);
        GradientCheck.AssertRelative(TestArrays.ToSingle(dx), h.Read(inputGrad), Tolerance, "input gradient");
        GradientCheck.AssertRelative(TestArrays.ToSingle(dw), h.Read(weightGrad), Tolerance, "weight gradient");
        GradientCheck.AssertRelative(TestArrays.ToSingle(db), h.Read(biasGrad), Tolerance, "bias gradient");

        // The input gradient alone, into a stale buffer: the same bits.
        Tensor inputGrad2 = h.Stale(batch * g.InputSize);
        conv.Backward(batch, input, weight, outputGradient, inputGrad2, default, default);
        Assert.Equal(h.Read(inputGrad), h.Read(inputGrad2));
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Fast;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// A fast convolution keeps its packed weights between calls while their buffer's version stands
/// still, on every forward path: each output is checked against the double-precision reference
/// convolution, through a sequence of calls that alternates kept weights and new ones.
/// </summary>
public class PackedWeightCacheTests
{
    private const double Tolerance = 2e-4;

    [Theory]
    [InlineData("chunks", 5)]
    [InlineData("split-rows", 1)]
    [InlineData("split-columns", 1)]
    [InlineData("banded", 3)]
    [InlineData("wide", 1)]
    [InlineData("wide", 3)]
    [InlineData("winograd", 1)]
    [InlineData("winograd", 3)]
    public void Forward_RepacksExactlyWhenTheWeightsWereWritten_AndAlwaysMatchesTheReference(string path, int batch)
    {
        Conv2dGeometry g = path switch
        {
            "chunks" => Geometries.Conv(8, 12, 8, 8, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
            "split-rows" or "wide" => Geometries.Conv(8, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
            "split-columns" => Geometries.Conv(8, 16, 40, 40, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
            "winograd" => Geometries.Conv(4, 20, 11, 9, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
            _ => Geometries.Conv(8, 8, 13, 11, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
        };
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        var conv = path == "banded"
            ? new FastConv2dOperator(g, h.Backend.Pool, maxColumnFloats: (long)g.InChannels * 9 * g.OutWidth * 4)
            : path == "split-rows" ? new FastConv2dOperator(g, h.Backend.Pool, wideChannelVector: false) // the GEMM, not the rule's wide channel vectors
            : path == "winograd" ? new FastConv2dOperator(g, h.Backend.Pool, winograd: WinogradTransforms.IsSupported, wideChannelVector: false, winogradChannelVector: false)
            : (FastConv2dOperator)h.Backend.CreateConv2d(g);
        if (path == "wide") Assert.Equal(WideChannelVectorConvolution.Applies(g), conv.UsesWideChannelVector(batch));
        if (path == "winograd") Assert.Equal(WinogradTransforms.IsSupported, conv.UsesWinograd(batch));
        float[] x = TestArrays.UniformSingle(501, batch * g.InputSize), b = TestArrays.UniformSingle(502, g.OutChannels);
        Tensor input = h.Upload(x), bias = h.Upload(b), weight = h.Upload(TestArrays.UniformSingle(503, g.WeightSize));
        Tensor output = h.Stale(batch * g.OutputSize);
        CpuWorkspace workspace = h.Backend.Workspace;

        float[]? previous = null;
        void Check(string step, long packs, bool kept)
        {
            conv.Forward(batch, input, weight, bias, output);
            Assert.Equal(packs, workspace.WeightPacks);
            Assert.Equal(kept, conv.KeptWeightBytes > 0);
            // A call on the same weights and input as the one before, whether it packed or not, gives the same bits.
            float[] now = h.Read(output);
            if (step.StartsWith("same", StringComparison.Ordinal)) Assert.Equal(previous, now);
            previous = now;
            double[] expected = new double[batch * g.OutputSize];
            Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(h.Read(weight)), TestArrays.ToDouble(b), expected);
            GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output), Tolerance, step);
        }

        // Weights that change before every call (training) are packed each time, into the shared workspace.
        Check("first call", 1, kept: false);
        h.Backend.Upload(TestArrays.UniformSingle(504, g.WeightSize), weight);
        Check("after an upload", 2, kept: false);

        // The same weights twice in a row: packed once more, into a copy of the layer's own, then never again.
        Check("second call on the same weights", 3, kept: true);
        Check("same weights, third call", 3, kept: true);
        h.Backend.Upload(x, input);
        Check("after writing the input alone", 3, kept: true);

        // Any write through the backend, or a declared one, makes the next call repack.
        h.Backend.Fill(weight.Slice(0, 7), 0.25f);
        Check("after a fill", 4, kept: true);
        Check("same weights, kept again", 5, kept: true);
        CpuTensor.Span(weight).Reverse();
        weight.Buffer.MarkWritten();
        Check("after a span write and MarkWritten", 6, kept: true);
        Check("kept once more", 7, kept: true);
        Check("same weights, not repacked", 7, kept: true);
    }

    [Fact]
    public void FusedBatchNorm_IsFoldedAgainWhenItsStatisticsOrParametersAreWritten()
    {
        Conv2dGeometry g = Geometries.Conv(4, 8, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, true);
        var norm = new BatchNormGeometry(g.MaxBatch, g.OutChannels, g.OutHeight * g.OutWidth, 1e-3f, 0.1f);
        var epilogue = new Epilogue(norm, new ActivationGeometry(ActivationKind.ReLU, g.MaxBatch, g.OutputSize));
        const int batch = 3;
        int c = g.OutChannels;
        using var h = new BackendHarness(CpuKernels.Fast, 2);
        IFusedConv2dOperator conv = h.Backend.CreateFusedConv2d(g, epilogue);
        float[] x = TestArrays.UniformSingle(511, batch * g.InputSize), w = TestArrays.UniformSingle(512, g.WeightSize);
        Tensor input = h.Upload(x), weight = h.Upload(w), bias = h.Upload(TestArrays.UniformSingle(513, c));
        var tensors = new BatchNormTensors(h.Upload(TestArrays.UniformSingle(514, c, 0.5f, 1.5f)), h.Upload(TestArrays.UniformSingle(515, c)),
            h.Upload(TestArrays.UniformSingle(516, c, -0.5f, 0.5f)), h.Upload(TestArrays.UniformSingle(517, c, 0.2f, 2f)));
        Tensor output = h.Stale(batch * g.OutputSize);

        void Check(string step)
        {
            conv.Forward(batch, input, weight, bias, tensors, output);
            float[] gamma = h.Read(tensors.Weight), beta = h.Read(tensors.Bias), mean = h.Read(tensors.RunningMean), variance = h.Read(tensors.RunningVariance), b = h.Read(bias);
            double[] expected = new double[batch * g.OutputSize];
            Conv2dReference.Forward<double>(g, batch, TestArrays.ToDouble(x), TestArrays.ToDouble(w), TestArrays.ToDouble(b), expected);
            int plane = g.OutHeight * g.OutWidth;
            for (int i = 0; i < expected.Length; i++)
            {
                int channel = i / plane % c;
                double normalised = (expected[i] - mean[channel]) / Math.Sqrt((double)variance[channel] + norm.Epsilon) * gamma[channel] + beta[channel];
                expected[i] = Math.Max(0, normalised);
            }
            GradientCheck.AssertRelative(TestArrays.ToSingle(expected), h.Read(output), Tolerance, step);
        }

        Check("first call");
        Check("second call");
        h.Backend.Upload(TestArrays.UniformSingle(518, c, -1f, 1f), tensors.RunningMean);
        Check("after new running means");
        h.Backend.Upload(TestArrays.UniformSingle(519, c, 0.1f, 3f), tensors.RunningVariance);
        Check("after new running variances");
        h.Backend.Upload(TestArrays.UniformSingle(520, c, -2f, 2f), tensors.Weight);
        Check("after a new gamma");
        h.Backend.Upload(TestArrays.UniformSingle(521, c), tensors.Bias);
        Check("after a new beta");
        h.Backend.Upload(TestArrays.UniformSingle(522, c), bias);
        Check("after a new convolution bias");
    }
}

using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// ReLU and LeakyReLU calls large enough that the fast kernels split them over the workers (2^15
/// floats and more; sizes that leave a ragged last block): the forward and backward outputs must be
/// exactly a naive double computation's, on any thread count, in place or not.
/// </summary>
public class FastActivationSplitTests
{
    [Theory]
    [InlineData(ActivationKind.ReLU, 8, 4099, 2)]
    [InlineData(ActivationKind.ReLU, 5, 7001, 3)]
    [InlineData(ActivationKind.LeakyReLU, 9, 3641, 2)]
    [InlineData(ActivationKind.ReLU, 1, 40000, 2)]
    public void ForwardAndBackward_MatchNaiveDouble(ActivationKind kind, int batch, int features, int threads)
    {
        float slope = kind == ActivationKind.LeakyReLU ? 0.1f : 0f;
        var g = new ActivationGeometry(kind, batch, features, slope);
        float[] x = TestArrays.UniformSingle(611, batch * features), dy = TestArrays.UniformSingle(612, batch * features);
        for (int i = 0; i < x.Length; i += 7) x[i] = 0f;
        double[] expectedY = new double[x.Length], expectedDx = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            expectedY[i] = x[i] < 0 ? (double)x[i] * slope : x[i];
            expectedDx[i] = expectedY[i] > 0 ? dy[i] : (double)dy[i] * slope;
        }

        foreach (bool inPlace in new[] { false, true })
        {
            using var h = new BackendHarness(CpuKernels.Fast, threads);
            IActivationOperator op = h.Backend.CreateActivation(g);
            Tensor input = h.Upload(x), output = inPlace ? input : h.Stale(x.Length);
            op.Forward(batch, input, output);
            Assert.Equal(TestArrays.ToSingle(expectedY), h.Read(output));

            Tensor outputGradient = h.Upload(dy), inputGradient = inPlace ? outputGradient : h.Stale(dy.Length);
            op.Backward(batch, default, output, outputGradient, inputGradient);
            Assert.Equal(TestArrays.ToSingle(expectedDx), h.Read(inputGradient));
        }
    }
}

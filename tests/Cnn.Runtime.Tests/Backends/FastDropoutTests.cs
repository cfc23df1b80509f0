using Cnn.Backends;
using Cnn.Backends.Cpu;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>
/// The fast kernels' dropout must draw the reference's masks bit for bit (same seed, same stream per
/// call) and give the same outputs and gradients, in training and evaluation, in place or not, after
/// its seed and stream are set (as a resumed run sets them).
/// </summary>
public class FastDropoutTests
{
    [Theory]
    [InlineData(3, 1001, 0.5f, false)]
    [InlineData(64, 1024, 0.25f, true)]
    [InlineData(1, 7, 0.9f, false)]
    [InlineData(2, 3000, 0.1f, true)]
    [InlineData(2, 500, 0.3333333f, false)]
    [InlineData(1, 64, 0f, false)]
    [InlineData(1, 64, 1f, true)]
    public void TrainingAndEvaluation_MatchTheReferenceExactly(int batch, int features, float p, bool inPlace)
    {
        var g = new DropoutGeometry(batch, features, p, 1234);
        int count = batch * features;
        float[] x = TestArrays.UniformSingle(71, count), dy = TestArrays.UniformSingle(72, count);
        using var reference = new BackendHarness(CpuKernels.Reference);
        using var fast = new BackendHarness(CpuKernels.Fast, 2);
        IDropoutOperator a = reference.Backend.CreateDropout(g), b = fast.Backend.CreateDropout(g);
        a.MaskSeed = b.MaskSeed = 99;
        a.MaskStream = b.MaskStream = 5;
        foreach (bool training in new[] { true, true, false, true })
        {
            float[][] results = new float[2][];
            float[][] gradients = new float[2][];
            float[][] masks = new float[2][];
            for (int side = 0; side < 2; side++)
            {
                BackendHarness h = side == 0 ? reference : fast;
                IDropoutOperator op = side == 0 ? a : b;
                Tensor input = h.Upload(x), output = inPlace ? input : h.Stale(count), mask = h.Stale(count, float.NaN);
                op.Forward(batch, input, output, mask, training);
                Tensor outputGradient = h.Upload(dy), inputGradient = inPlace ? outputGradient : h.Stale(count);
                op.Backward(batch, mask, outputGradient, inputGradient);
                (results[side], masks[side], gradients[side]) = (h.Read(output), h.Read(mask), h.Read(inputGradient));
            }
            Assert.Equal(masks[0], masks[1]);
            Assert.Equal(results[0], results[1]);
            Assert.Equal(gradients[0], gradients[1]);
            if (training && p > 0.2f) Assert.Contains(0f, masks[1]);
            Assert.Equal(a.MaskStream, b.MaskStream);
        }
    }
}

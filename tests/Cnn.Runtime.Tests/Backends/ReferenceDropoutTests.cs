using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

public class ReferenceDropoutTests
{
    [Fact]
    public void DropoutForward_InTraining_ZeroesAboutPAndScalesTheRestByInverseKeep()
    {
        var g = new DropoutGeometry(4, 1000, 0.25f, 42);
        double[] x = TestArrays.Uniform(31, 4000), y = new double[4000], mask = new double[4000];
        DropoutReference.Forward<double>(g, 4, 0, x, y, mask, training: true);

        int dropped = mask.Count(m => m == 0);
        Assert.InRange(dropped, 900, 1100);
        Assert.All(mask, m => Assert.True(m == 0 || m == 1 / (1 - (double)0.25f)));
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] * mask[i], y[i]);
    }

    [Fact]
    public void DropoutForward_DrawsAFreshMaskForEachCall_AndTheSameMaskForTheSameCall()
    {
        var g = new DropoutGeometry(1, 256, 0.5f, 7);
        double[] m0 = new double[256], m0Again = new double[256], m1 = new double[256];
        DropoutReference.FillMask<double>(g, 0, m0);
        DropoutReference.FillMask<double>(g, 0, m0Again);
        DropoutReference.FillMask<double>(g, 1, m1);
        Assert.Equal(m0, m0Again);
        Assert.NotEqual(m0, m1);
    }

    [Fact]
    public void Operator_AfterItsSeedAndStreamAreSet_DrawsTheMaskOfThatSeedAndCall()
    {
        using var h = new BackendHarness(Cnn.Backends.Cpu.CpuKernels.Reference);
        IDropoutOperator dropout = h.Backend.CreateDropout(new DropoutGeometry(2, 64, 0.5f, 7));
        Tensor input = h.Upload(Enumerable.Repeat(1f, 128).ToArray()), output = h.Stale(128), mask = h.Stale(128);
        dropout.Forward(2, input, output, mask, training: true);
        dropout.Forward(2, input, output, mask, training: false); // evaluation draws no mask
        Assert.Equal((7UL, 1UL), (dropout.MaskSeed, dropout.MaskStream));

        dropout.MaskSeed = 11;
        dropout.MaskStream = 5;
        dropout.Forward(2, input, output, mask, training: true);

        float[] expected = new float[128];
        DropoutReference.FillMask<float>(new DropoutGeometry(2, 64, 0.5f, 11), 5, expected);
        Assert.Equal(expected, h.Read(mask));
        Assert.Equal(6UL, dropout.MaskStream);
    }

    [Fact]
    public void DropoutForward_InEvaluation_IsTheIdentityWithAMaskOfOnes()
    {
        var g = new DropoutGeometry(2, 5, 0.5f, 1);
        double[] x = TestArrays.Uniform(32, 10), y = new double[10], mask = new double[10];
        DropoutReference.Forward<double>(g, 2, 0, x, y, mask, training: false);
        Assert.Equal(x, y);
        Assert.All(mask, m => Assert.Equal(1.0, m));
    }

    [Fact]
    public void DropoutBackward_MultipliesTheGradientByTheMask()
    {
        var g = new DropoutGeometry(3, 20, 0.3f, 9);
        double[] x = TestArrays.Uniform(33, 60), y = new double[60], mask = new double[60], r = TestArrays.Uniform(34, 60);
        DropoutReference.Forward<double>(g, 3, 5, x, y, mask, training: true);

        // For a fixed mask the layer is linear in x, so finite differences agree with mask·dy.
        double Loss()
        {
            for (int i = 0; i < 60; i++) y[i] = x[i] * mask[i];
            return GradientCheck.Dot(y, r);
        }
        double[] dx = new double[60];
        DropoutReference.Backward<double>(60, mask, r, dx);
        GradientCheck.AssertClose(GradientCheck.Numerical(Loss, x), dx, 1e-8, "inputGradient");
        for (int i = 0; i < 60; i++) Assert.Equal(r[i] * mask[i], dx[i]);
    }

    [Theory]
    [InlineData(0f, 1.0)]
    [InlineData(1f, 0.0)]
    public void DropoutMask_AtTheExtremes_KeepsEverythingOrNothing(float p, double expected)
    {
        var mask = new double[100];
        DropoutReference.FillMask<double>(new DropoutGeometry(1, 100, p, 3), 0, mask);
        Assert.All(mask, m => Assert.Equal(expected, m));
    }
}

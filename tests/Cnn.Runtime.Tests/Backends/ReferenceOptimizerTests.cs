using Cnn.Backends;
using Cnn.Backends.Cpu.Reference;
using Xunit;

namespace Cnn.Runtime.Tests.Backends;

/// <summary>Three steps of each optimizer against PyTorch's update rules written out by hand, one scalar at a time.</summary>
public class ReferenceOptimizerTests
{
    private static readonly double[] Start = [0.5, -1.25, 2.0, 0.0];
    private static readonly double[][] Gradients = [[0.1, -0.2, 0.3, 0.0], [-0.4, 0.5, 0.25, 1.0], [0.05, 0.05, -0.6, -0.3]];

    [Theory]
    [InlineData(0f, 0f, 0f, false)]
    [InlineData(0.9f, 0f, 0f, false)]
    [InlineData(0.9f, 0f, 0f, true)]
    [InlineData(0.9f, 0.3f, 0f, false)]
    [InlineData(0.8f, 0f, 0.01f, true)]
    [InlineData(0f, 0f, 0.05f, false)]
    public void SgdStep_FollowsPyTorchsFormulaForThreeSteps(float momentum, float dampening, float weightDecay, bool nesterov)
    {
        const float lr = 0.1f;
        double[] p = (double[])Start.Clone(), velocity = new double[4];
        double[] expected = (double[])Start.Clone(), buffer = new double[4];
        for (int t = 0; t < 3; t++)
        {
            SgdReference.Step<double>(p, Gradients[t], velocity, new SgdStepSettings(lr, momentum, dampening, weightDecay, nesterov, FirstStep: t == 0));
            for (int i = 0; i < 4; i++)
            {
                double d = Gradients[t][i] + (double)weightDecay * expected[i];
                if (momentum != 0)
                {
                    buffer[i] = t == 0 ? d : (double)momentum * buffer[i] + (1 - (double)dampening) * d;
                    d = nesterov ? d + (double)momentum * buffer[i] : buffer[i];
                }
                expected[i] -= (double)lr * d;
            }
            GradientCheck.AssertClose(expected, p, 1e-14, $"parameters after step {t + 1}");
        }
    }

    [Fact]
    public void SgdStep_WithMomentum_MatchesValuesWorkedOutOnPaper()
    {
        // p = 1, g = 1 each step, lr = 0.1, momentum = 0.5: buf = 1, 1.5, 1.75; p = 0.9, 0.75, 0.575.
        double[] p = [1.0], v = [0.0];
        double[] after = [0.9, 0.75, 0.575];
        for (int t = 0; t < 3; t++)
        {
            SgdReference.Step<double>(p, [1.0], v, new SgdStepSettings(0.1f, 0.5f, 0f, 0f, false, t == 0));
            Assert.Equal(after[t], p[0], 7);
        }
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.1f, false)]
    [InlineData(0.1f, true)]
    public void AdamStep_FollowsPyTorchsFormulaForThreeSteps(float weightDecay, bool decoupled)
    {
        const float lr = 0.01f, beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
        double[] p = (double[])Start.Clone(), m = new double[4], v = new double[4];
        double[] expected = (double[])Start.Clone(), em = new double[4], ev = new double[4];
        for (int t = 1; t <= 3; t++)
        {
            AdamReference.Step<double>(p, Gradients[t - 1], m, v, new AdamStepSettings(lr, beta1, beta2, epsilon, weightDecay, decoupled, t));
            for (int i = 0; i < 4; i++)
            {
                double g = Gradients[t - 1][i];
                if (decoupled) expected[i] *= 1 - (double)lr * weightDecay;
                else g += (double)weightDecay * expected[i];
                em[i] = (double)beta1 * em[i] + (1 - (double)beta1) * g;
                ev[i] = (double)beta2 * ev[i] + (1 - (double)beta2) * g * g;
                double mHat = em[i] / (1 - Math.Pow(beta1, t)), vHat = ev[i] / (1 - Math.Pow(beta2, t));
                expected[i] -= lr * mHat / (Math.Sqrt(vHat) + epsilon);
            }
            GradientCheck.AssertClose(expected, p, 1e-12, $"parameters after step {t}");
            GradientCheck.AssertClose(em, m, 1e-14, $"first moment after step {t}");
            GradientCheck.AssertClose(ev, v, 1e-14, $"second moment after step {t}");
        }
    }

    [Fact]
    public void AdamStep_FirstStepMovesEachParameterByAboutTheLearningRate()
    {
        // m̂ = g and v̂ = g² on step 1, so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
        double[] p = [1.0, 1.0], m = new double[2], v = new double[2];
        AdamReference.Step<double>(p, [3.0, -0.001], m, v, new AdamStepSettings(0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1));
        Assert.Equal(0.9, p[0], 6);
        Assert.Equal(1.1, p[1], 5);
    }

    [Fact]
    public void AddPenalty_AddsL1SignAndTwiceL2Weight_AndReturnsThePenalty()
    {
        double[] w = [0.5, -2.0, 0.0], g = [1.0, 1.0, 1.0];
        double penalty = PenaltyReference.Add<double>(w, g, 0.1, 0.01);
        Assert.Equal(0.1 * 2.5 + 0.01 * 4.25, penalty, 14);
        GradientCheck.AssertClose([1.11, 0.86, 1.0], g, 1e-15, "gradient");
    }

    [Fact]
    public void AddPenaltyGradient_MatchesFiniteDifferences()
    {
        double[] w = TestArrays.Uniform(51, 10), g = new double[10];
        double Penalty() => PenaltyReference.Add<double>(w, new double[10], 0.3, 0.7);
        PenaltyReference.Add<double>(w, g, 0.3, 0.7);
        GradientCheck.AssertClose(GradientCheck.Numerical(Penalty, w), g, 1e-8, "gradient");
    }
}

using Xunit;
using Cnn.Backends;
using Cnn.Backends.Cpu;
using Cnn.Backends.Cpu.Reference;
using Cnn.Losses;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// The generated Backward, run in float32, against central finite differences of the whole network's
/// loss computed independently in double precision by composing the reference kernels by hand.
/// </summary>
public class WholeNetworkGradientTests
{
    private const int Batch = 3;

    [Theory]
    [InlineData(CpuKernels.Reference)]
    [InlineData(CpuKernels.Fast)]
    public void GeneratedBackward_MatchesDoublePrecisionFiniteDifferences(CpuKernels kernels)
    {
        using var network = new GradientCheckNet(Batch, new CpuBackend(kernels), seed: 7);
        network.Training = false; // dropout is the identity, so the loss is a deterministic function
        float[] input = RandomTestData.Uniform(Batch * GradientCheckNet.InputSize, 11);
        float[] labels = RandomTestData.Labels(Batch, 3, 12);
        network.Backend.Upload(input, network.Input.Slice(0, input.Length));
        network.Backend.Upload(labels, network.Labels.Slice(0, Batch));
        network.Forward(Batch);
        float floatLoss = new CrossEntropyLoss().Compute(network, Batch);
        network.Backward(Batch);
        float[] analytic = NetworkTestData.Download(network, network.Gradients);

        double[] parameters = NetworkTestData.Download(network, network.Parameters).Select(v => (double)v).ToArray();
        double[] x = input.Select(v => (double)v).ToArray();
        double[] y = labels.Select(v => (double)v).ToArray();
        Assert.Equal(DoubleLoss(parameters, x, y), floatLoss, 4);

        const double h = 1e-5;
        double worst = 0;
        // Only the parameters themselves: the padding that aligns each one to 64 bytes is no parameter.
        foreach (int i in network.ParameterInfos.SelectMany(info => Enumerable.Range((int)info.Offset, info.Length)))
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double plus = DoubleLoss(parameters, x, y);
            parameters[i] = saved - h;
            double minus = DoubleLoss(parameters, x, y);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double error = Math.Abs(numeric - analytic[i]) / Math.Max(1e-3, Math.Abs(numeric) + Math.Abs(analytic[i]));
            worst = Math.Max(worst, error);
            Assert.True(error < 2e-3, $"{Name(network, i)}: finite difference {numeric:G6}, backward {analytic[i]:G6}");
        }
        Assert.True(worst < 2e-3);
    }

    private static string Name(INetwork network, int index)
    {
        ParameterInfo p = network.ParameterInfos.Last(p => p.Offset <= index);
        return $"{p.Name}[{index - p.Offset}]";
    }

    /// <summary>The same network, written out layer by layer over the double-precision reference kernels.</summary>
    private static double DoubleLoss(double[] parameters, double[] input, double[] labels)
    {
        var conv1 = new Conv2dGeometry(Batch, 2, 7, 7, 3, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, true);
        var pool = new Pool2dGeometry(PoolKind.Max, Batch, 3, 7, 7, 3, 3, 2, 2, 2, 2, 0, 0);
        var conv2 = new Conv2dGeometry(Batch, 3, 3, 3, 4, 2, 2, 2, 2, 1, 1, 0, 0, 1, 1, 1, true);
        var avg = new Pool2dGeometry(PoolKind.Average, Batch, 4, 2, 2, 1, 1, 2, 2, 1, 1, 0, 0);
        var fc1 = new LinearGeometry(Batch, 4, 6, true);
        var fc2 = new LinearGeometry(Batch, 6, 3, true);
        ReadOnlySpan<double> p = parameters;
        int offset = 0;
        ReadOnlySpan<double> Take(int length)
        {
            offset = (offset + 15) / 16 * 16; // each parameter starts 64-byte aligned
            ReadOnlySpan<double> slice = parameters.AsSpan(offset, length);
            offset += length;
            return slice;
        }

        double[] a1 = new double[Batch * 147];
        Conv2dReference.Forward(conv1, Batch, input, Take(54), Take(3), a1);
        double[] t1 = new double[a1.Length];
        ActivationReference.Forward<double>(ActivationKind.Tanh, Batch, 147, a1, t1);
        double[] p1 = new double[Batch * 27];
        Pool2dReference.Forward<double>(pool, Batch, t1, p1);
        double[] a2 = new double[Batch * 16];
        Conv2dReference.Forward(conv2, Batch, p1, Take(48), Take(4), a2);
        double[] s2 = new double[a2.Length];
        ActivationReference.Forward<double>(ActivationKind.Sigmoid, Batch, 16, a2, s2);
        double[] p2 = new double[Batch * 4];
        Pool2dReference.Forward<double>(avg, Batch, s2, p2);
        double[] h1 = new double[Batch * 6];
        LinearReference.Forward(fc1, Batch, p2, Take(24), Take(6), h1);
        double[] r1 = new double[h1.Length];
        ActivationReference.Forward<double>(ActivationKind.ReLU, Batch, 6, h1, r1);
        double[] logits = new double[Batch * 3];
        LinearReference.Forward(fc2, Batch, r1, Take(18), Take(3), logits);
        Assert.Equal(parameters.Length, (offset + 15) / 16 * 16);
        return SoftmaxCrossEntropyReference.Compute<double>(Batch, 3, logits, labels, new double[logits.Length]);
    }
}

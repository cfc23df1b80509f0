using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>Negative log-likelihood over log-probabilities (PyTorch's NLLLoss with mean reduction).</summary>
public static class NllLossReference
{
    /// <summary>Returns −mean(logp[label]) and writes its gradient: −1/batch at each label, 0 elsewhere.</summary>
    public static T Compute<T>(int batch, int classes, ReadOnlySpan<T> logProbabilities, ReadOnlySpan<T> labels, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero, inverseBatch = T.One / T.CreateChecked(batch);
        gradient[..(batch * classes)].Clear();
        for (int n = 0; n < batch; n++)
        {
            int label = Labels.ClassOf(labels, n, classes);
            total -= logProbabilities[n * classes + label];
            gradient[n * classes + label] = -inverseBatch;
        }
        return total * inverseBatch;
    }
}

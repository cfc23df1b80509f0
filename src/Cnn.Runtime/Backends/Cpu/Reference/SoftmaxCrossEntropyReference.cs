using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>Cross-entropy from logits (PyTorch's CrossEntropyLoss with mean reduction), computed stably through log-sum-exp.</summary>
public static class SoftmaxCrossEntropyReference
{
    /// <summary>Returns mean(logsumexp(x) − x[label]) and writes its gradient (softmax(x) − onehot) / batch.</summary>
    public static T Compute<T>(int batch, int classes, ReadOnlySpan<T> logits, ReadOnlySpan<T> labels, Span<T> gradient)
        where T : IFloatingPointIeee754<T>
    {
        T total = T.Zero, inverseBatch = T.One / T.CreateChecked(batch);
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> x = logits.Slice(n * classes, classes);
            Span<T> dx = gradient.Slice(n * classes, classes);
            int label = Labels.ClassOf(labels, n, classes);
            T max = x[0];
            for (int i = 1; i < classes; i++) max = T.Max(max, x[i]);
            T sum = T.Zero;
            for (int i = 0; i < classes; i++) sum += T.Exp(x[i] - max);
            total += max + T.Log(sum) - x[label];
            for (int i = 0; i < classes; i++) dx[i] = T.Exp(x[i] - max) / sum * inverseBatch;
            dx[label] -= inverseBatch;
        }
        return total * inverseBatch;
    }
}

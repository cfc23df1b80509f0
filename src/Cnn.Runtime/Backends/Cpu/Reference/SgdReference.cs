using System.Numerics;

namespace Cnn.Backends.Cpu.Reference;

/// <summary>One step of PyTorch's SGD (torch.optim.SGD, foreach=False), over one contiguous buffer. The gradients are left unchanged.</summary>
public static class SgdReference
{
    /// <summary>
    /// g = grad + wd·p; with momentum, buf = first ? g : m·buf + (1 − dampening)·g and
    /// g = nesterov ? g + m·buf : buf; then p −= lr·g. <paramref name="velocity"/> may be empty when momentum is 0.
    /// </summary>
    public static void Step<T>(Span<T> parameters, ReadOnlySpan<T> gradients, Span<T> velocity, in SgdStepSettings s)
        where T : IFloatingPointIeee754<T>
    {
        T lr = T.CreateChecked(s.LearningRate), momentum = T.CreateChecked(s.Momentum);
        T dampening = T.CreateChecked(s.Dampening), weightDecay = T.CreateChecked(s.WeightDecay);
        for (int i = 0; i < parameters.Length; i++)
        {
            T g = gradients[i];
            if (s.WeightDecay != 0f) g += weightDecay * parameters[i];
            if (s.Momentum != 0f)
            {
                T buffer = s.FirstStep ? g : momentum * velocity[i] + (T.One - dampening) * g;
                velocity[i] = buffer;
                g = s.Nesterov ? g + momentum * buffer : buffer;
            }
            parameters[i] -= lr * g;
        }
    }
}

namespace Cnn.Optimizers;

/// <summary>AdamW (<c>torch.optim.AdamW</c>): Adam with decoupled weight decay, default 0.01.</summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW with PyTorch's defaults; the parameters are <see cref="Adam"/>'s, with decoupled weight decay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive, or a beta is outside [0, 1).</exception>
    public AdamW(INetwork network, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(network, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true)
    {
    }
}

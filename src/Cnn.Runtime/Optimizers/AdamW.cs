namespace Cnn.Optimizers;

/// <summary>AdamW (<c>torch.optim.AdamW</c>): Adam with decoupled weight decay, default 0.01.</summary>
public sealed class AdamW : Adam
{
    public AdamW(INetwork network, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(network, learningRate, beta1, beta2, epsilon, weightDecay, decoupled: true)
    {
    }
}

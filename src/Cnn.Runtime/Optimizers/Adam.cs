using Cnn.Backends;

namespace Cnn.Optimizers;

/// <summary>
/// Adam with PyTorch's formulas and defaults (<c>torch.optim.Adam</c>: lr 1e-3, betas (0.9, 0.999), eps 1e-8).
/// With <c>decoupled: true</c> it is AdamW, whose weight decay shrinks the weights directly.
/// </summary>
public class Adam : Optimizer
{
    private readonly DeviceBuffer _firstMoment;
    private readonly DeviceBuffer _secondMoment;

    /// <summary>Adam over <paramref name="network"/>'s parameters, with its moment buffers allocated on the network's backend.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="learningRate">Step size, positive.</param>
    /// <param name="beta1">Decay of the first-moment average, in [0, 1).</param>
    /// <param name="beta2">Decay of the second-moment average, in [0, 1).</param>
    /// <param name="epsilon">Added to the second moment's square root in the denominator.</param>
    /// <param name="weightDecay">L2 coefficient added to the gradient, or with <paramref name="decoupled"/> the factor lr·wd by which weights shrink each step.</param>
    /// <param name="decoupled">AdamW's decoupled weight decay instead of Adam's L2 form.</param>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive, or a beta is outside [0, 1).</exception>
    public Adam(INetwork network, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0, bool decoupled = false)
        : base(network, learningRate, weightDecay)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Decoupled = decoupled;
        _firstMoment = network.Backend.Allocate(network.Parameters.Length);
        _secondMoment = network.Backend.Allocate(network.Parameters.Length);
    }

    /// <summary>Decay of the running average of gradients (PyTorch's betas[0]).</summary>
    public float Beta1 { get; }
    /// <summary>Decay of the running average of squared gradients (PyTorch's betas[1]).</summary>
    public float Beta2 { get; }
    /// <summary>Added to √v̂ in the denominator, for numerical stability.</summary>
    public float Epsilon { get; }
    /// <summary>True for AdamW's decoupled weight decay.</summary>
    public bool Decoupled { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> State =>
    [
        new("exp_avg", new Tensor(_firstMoment, 0, Network.Parameters.Length)),
        new("exp_avg_sq", new Tensor(_secondMoment, 0, Network.Parameters.Length)),
    ];

    /// <inheritdoc/>
    protected override void Update(in UpdateRange range)
    {
        (int offset, int length) = (range.Offset, range.Length);
        Network.Backend.AdamStep(Network.Parameters.Slice(offset, length), Network.Gradients.Slice(offset, length),
            new Tensor(_firstMoment, offset, length), new Tensor(_secondMoment, offset, length),
            new AdamStepSettings(range.LearningRate, Beta1, Beta2, Epsilon, range.WeightDecay, Decoupled, range.Step));
    }

    /// <summary>Frees the two moment buffers.</summary>
    public override void Dispose()
    {
        _firstMoment.Dispose();
        _secondMoment.Dispose();
    }
}

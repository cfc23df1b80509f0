using Cnn.Backends;

namespace Cnn.Optimizers;

/// <summary>Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay (<c>torch.optim.SGD</c>).</summary>
public sealed class Sgd : Optimizer
{
    private readonly DeviceBuffer? _velocity;

    /// <summary>SGD over <paramref name="network"/>'s parameters; a momentum buffer is allocated only when <paramref name="momentum"/> is not 0.</summary>
    /// <param name="network">The network to train.</param>
    /// <param name="learningRate">Step size, positive.</param>
    /// <param name="momentum">Momentum factor, 0 or more; 0 is plain SGD.</param>
    /// <param name="dampening">Dampening of the gradient in the momentum update.</param>
    /// <param name="weightDecay">L2 coefficient added to the gradient.</param>
    /// <param name="nesterov">Nesterov momentum; needs a positive momentum and zero dampening.</param>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive or the momentum is negative.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum, or with dampening.</exception>
    public Sgd(INetwork network, float learningRate, float momentum = 0, float dampening = 0, float weightDecay = 0, bool nesterov = false)
        : base(network, learningRate, weightDecay)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be 0 or more.");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening, as in PyTorch.", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        if (momentum != 0) _velocity = network.Backend.Allocate(network.Parameters.Length);
    }

    /// <summary>The momentum factor; 0 is plain SGD.</summary>
    public float Momentum { get; }
    /// <summary>Dampening of the gradient in the momentum update, PyTorch's <c>dampening</c>.</summary>
    public float Dampening { get; }
    /// <summary>Whether the step uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> State =>
        _velocity is null ? [] : [new("momentum_buffer", new Tensor(_velocity, 0, Network.Parameters.Length))];

    /// <inheritdoc/>
    protected override void Update(in UpdateRange range)
    {
        Tensor velocity = _velocity is null ? default : new Tensor(_velocity, range.Offset, range.Length);
        Network.Backend.SgdStep(Network.Parameters.Slice(range.Offset, range.Length), Network.Gradients.Slice(range.Offset, range.Length), velocity,
            new SgdStepSettings(range.LearningRate, Momentum, Dampening, range.WeightDecay, Nesterov, FirstStep: range.Step == 1));
    }

    /// <summary>Frees the momentum buffer, if any.</summary>
    public override void Dispose() => _velocity?.Dispose();
}

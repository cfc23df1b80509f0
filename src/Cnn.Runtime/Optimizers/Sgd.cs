using Cnn.Backends;

namespace Cnn.Optimizers;

/// <summary>Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay (<c>torch.optim.SGD</c>).</summary>
public sealed class Sgd : Optimizer
{
    private readonly DeviceBuffer? _velocity;

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

    public float Momentum { get; }
    public float Dampening { get; }
    public bool Nesterov { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<KeyValuePair<string, Tensor>> State =>
        _velocity is null ? [] : [new("momentum_buffer", new Tensor(_velocity, 0, Network.Parameters.Length))];

    protected override void Update(in UpdateRange range)
    {
        Tensor velocity = _velocity is null ? default : new Tensor(_velocity, range.Offset, range.Length);
        Network.Backend.SgdStep(Network.Parameters.Slice(range.Offset, range.Length), Network.Gradients.Slice(range.Offset, range.Length), velocity,
            new SgdStepSettings(range.LearningRate, Momentum, Dampening, range.WeightDecay, Nesterov, FirstStep: range.Step == 1));
    }

    public override void Dispose() => _velocity?.Dispose();
}

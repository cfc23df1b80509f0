namespace Cnn.Losses;

/// <summary>Negative log-likelihood over log-probabilities, like PyTorch's <c>nn.NLLLoss</c> after <c>LogSoftmax</c>.</summary>
public sealed class NllLoss : ILoss
{
    /// <inheritdoc/>
    public string Name => "nll";

    /// <inheritdoc/>
    public float Compute(INetwork network, int batch)
        => network.Backend.NllLoss(batch, network.OutputSize, CrossEntropyLoss.Rows(network.Output, batch, network.OutputSize),
            network.Labels.Slice(0, batch), CrossEntropyLoss.Rows(network.OutputGradient, batch, network.OutputSize));
}

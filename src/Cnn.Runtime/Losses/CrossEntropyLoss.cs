namespace Cnn.Losses;

/// <summary>Softmax cross-entropy from logits, like PyTorch's <c>nn.CrossEntropyLoss</c> (mean reduction).</summary>
public sealed class CrossEntropyLoss : ILoss
{
    /// <inheritdoc/>
    public string Name => "cross_entropy";

    /// <inheritdoc/>
    public float Compute(INetwork network, int batch)
        => network.Backend.SoftmaxCrossEntropy(batch, network.OutputSize, Rows(network.Output, batch, network.OutputSize),
            network.Labels.Slice(0, batch), Rows(network.OutputGradient, batch, network.OutputSize));

    internal static Tensor Rows(Tensor tensor, int batch, int width) => tensor.Slice(0, batch * width);
}

namespace Cnn.Losses;

/// <summary>Cross-entropy over probabilities, like Keras's <c>categorical_crossentropy</c> after a softmax layer (clamped away from 0).</summary>
public sealed class CategoricalCrossEntropyLoss : ILoss
{
    /// <inheritdoc/>
    public string Name => "categorical_cross_entropy";

    /// <inheritdoc/>
    public float Compute(INetwork network, int batch)
        => network.Backend.ProbabilityCrossEntropy(batch, network.OutputSize, CrossEntropyLoss.Rows(network.Output, batch, network.OutputSize),
            network.Labels.Slice(0, batch), CrossEntropyLoss.Rows(network.OutputGradient, batch, network.OutputSize));
}

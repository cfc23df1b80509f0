namespace Cnn.Losses;

/// <summary>Picks the loss that fits what a network's last layer produces.</summary>
public static class Loss
{
    /// <summary>Cross-entropy for logits, NLL after LogSoftmax, categorical cross-entropy after Softmax.</summary>
    public static ILoss For(INetwork network) => network.OutputKind switch
    {
        OutputKind.LogProbabilities => new NllLoss(),
        OutputKind.Probabilities => new CategoricalCrossEntropyLoss(),
        _ => new CrossEntropyLoss(),
    };
}

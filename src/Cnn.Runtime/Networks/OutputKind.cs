namespace Cnn;

/// <summary>What a network's last layer produces, which decides the default loss and how confidences are read.</summary>
public enum OutputKind
{
    /// <summary>Unnormalised scores: the loss is softmax cross-entropy.</summary>
    Logits,
    /// <summary>Softmax probabilities: the loss is cross-entropy over probabilities.</summary>
    Probabilities,
    /// <summary>Log-softmax: the loss is negative log-likelihood.</summary>
    LogProbabilities,
}

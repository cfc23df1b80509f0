namespace Cnn;

/// <summary>
/// What a generated network is built for, chosen at construction. It decides how much of the
/// activation arena the network allocates.
/// </summary>
public enum NetworkMode
{
    /// <summary>Forward and backward: activations that the backward pass reads are kept, and gradients are allocated.</summary>
    Training = 0,

    /// <summary>
    /// Forward only (predict, evaluate): no gradients, no parameter gradients, no activations kept
    /// for a backward pass, so buffers are reused as soon as the next layer has read them.
    /// <see cref="INetwork.Backward"/>, <see cref="INetwork.Gradients"/> and training mode throw.
    /// </summary>
    Inference = 1,
}

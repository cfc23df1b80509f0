namespace Cnn.Generators.Planning
{
    /// <summary>
    /// One fused forward step: a convolution or linear layer (<see cref="Head"/>) with the batch norm
    /// folded into it (<see cref="BatchNorm"/>, inference only) and the activation after it
    /// (<see cref="Activation"/>), layer indices, -1 for none. The layers are consecutive, each reads
    /// only the one before, and all of them write one buffer, so the step writes the last one's output
    /// where the unfused steps would have left it.
    /// </summary>
    internal sealed record FusedChain(int Head, int BatchNorm, int Activation)
    {
        /// <summary>The chain's last layer, whose output the fused step writes.</summary>
        public int Last => System.Math.Max(Head, System.Math.Max(BatchNorm, Activation));
    }
}

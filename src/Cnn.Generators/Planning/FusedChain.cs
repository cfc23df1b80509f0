namespace Cnn.Generators.Planning
{
    /// <summary>
    /// One fused forward step: a convolution or linear layer (<see cref="Head"/>) with the batch norm
    /// folded into it (<see cref="BatchNorm"/>, inference only), the activation after it
    /// (<see cref="Activation"/>) and then a pooling layer (<see cref="Pool"/>, convolutions in
    /// inference only), layer indices, -1 for none. The layers are consecutive and each reads only the
    /// one before. All but the pool write one buffer; the pool writes its own, and the step leaves
    /// every output where the unfused steps would have left it. A monotone activation may also come
    /// after a max pool (<see cref="Activation"/> &gt; <see cref="Pool"/>): the step still applies it
    /// before pooling, which gives the same values, and it runs in place over the pool's output.
    /// </summary>
    internal sealed record FusedChain(int Head, int BatchNorm, int Activation, int Pool = -1)
    {
        /// <summary>The chain's last layer, whose output the fused step writes.</summary>
        public int Last => System.Math.Max(System.Math.Max(Head, BatchNorm), System.Math.Max(Activation, Pool));
    }
}

namespace Cnn.Generators.Planning
{
    /// <summary>Mirrors the runtime's NetworkMode: what a plan keeps memory for.</summary>
    internal enum PlanMode
    {
        /// <summary>Forward then backward steps; activations that a backward step reads are kept.</summary>
        Training = 0,
        /// <summary>Forward steps only; no gradients but the output's (which a loss writes when evaluating).</summary>
        Inference = 1,
    }
}

using System;

namespace Cnn.Generators.Planning
{
    /// <summary>
    /// What a layer's backward step reads of its forward step, besides its output's gradient: the
    /// planner keeps these alive until that step. Each layer kind states it in its own place.
    /// </summary>
    [Flags]
    internal enum SavedTensors
    {
        /// <summary>Nothing (a sum, a concatenation): the output gradient is enough.</summary>
        None = 0,
        /// <summary>The value of every input (a convolution's weight gradient, batch norm's statistics).</summary>
        Input = 1,
        /// <summary>The output value (ReLU, Sigmoid, Tanh: their gradient is a function of the output).</summary>
        Output = 2,
        /// <summary>The layer's mask (dropout).</summary>
        Mask = 4,
    }
}

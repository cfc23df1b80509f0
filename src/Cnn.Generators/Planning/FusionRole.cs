namespace Cnn.Generators.Planning
{
    /// <summary>The part a layer can take in a fused step; each layer kind states its own.</summary>
    internal enum FusionRole
    {
        /// <summary>Runs as its own step.</summary>
        None = 0,
        /// <summary>A convolution: leads a step, and may take a batch norm (inference) and then an activation.</summary>
        Convolution = 1,
        /// <summary>A linear layer: leads a step, and may take an activation.</summary>
        Linear = 2,
        /// <summary>A batch norm over an image: folded into the convolution before it, in inference plans.</summary>
        BatchNorm = 3,
        /// <summary>An elementwise activation that runs in place: applied to its producer's output in the same pass.</summary>
        Activation = 4,
        /// <summary>A pooling layer: pools a convolution's (activated) output image by image in the same step, in inference plans.</summary>
        Pool = 5,
    }
}

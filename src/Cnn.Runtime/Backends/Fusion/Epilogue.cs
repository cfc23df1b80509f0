namespace Cnn.Backends;

/// <summary>
/// What a fused convolution or linear step does to its output in the same pass, after adding the
/// bias: a batch norm in evaluation form (convolutions only; folded into a per-channel scale and
/// shift), then an elementwise activation, then a pooling layer (convolutions only: the step's output
/// is then the pooled tensor). Each may be absent; with all absent the step is the plain layer.
/// </summary>
/// <param name="BatchNorm">The batch norm that follows the convolution, run with its running statistics; null for none.</param>
/// <param name="Activation">The elementwise activation (not Softmax or LogSoftmax); null for none.</param>
/// <param name="Pool">The pooling of the activated output, whose channels and input size are the convolution's output's; null for none.</param>
public readonly record struct Epilogue(BatchNormGeometry? BatchNorm = null, ActivationGeometry? Activation = null, Pool2dGeometry? Pool = null)
{
    /// <summary>The step with neither a batch norm nor an activation.</summary>
    public static Epilogue None => default;
}

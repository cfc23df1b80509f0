namespace Cnn.Backends;

/// <summary>
/// What a fused convolution or linear step does to its output in the same pass, after adding the
/// bias: a batch norm in evaluation form (convolutions only; folded into a per-channel scale and
/// shift) and then an elementwise activation. Either may be absent; with both absent the step is
/// the plain layer.
/// </summary>
/// <param name="BatchNorm">The batch norm that follows the convolution, run with its running statistics; null for none.</param>
/// <param name="Activation">The elementwise activation applied last (not Softmax or LogSoftmax); null for none.</param>
public readonly record struct Epilogue(BatchNormGeometry? BatchNorm = null, ActivationGeometry? Activation = null)
{
    /// <summary>The step with neither a batch norm nor an activation.</summary>
    public static Epilogue None => default;
}

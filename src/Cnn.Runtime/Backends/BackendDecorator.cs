namespace Cnn.Backends;

/// <summary>
/// A backend that runs everything on <see cref="Inner"/>: the base of decorators that change a few
/// operators (synchronized batch norm, gradient signals) and pass every other call through. A
/// decorator overrides what it changes; disposing it disposes nothing, since <see cref="Inner"/>
/// belongs to whoever created it.
/// </summary>
public abstract class BackendDecorator : IBackend
{
    /// <param name="inner">The backend that runs everything this decorator does not change.</param>
    protected BackendDecorator(IBackend inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The backend that runs everything this decorator does not change.</summary>
    public IBackend Inner { get; }

    /// <inheritdoc/>
    public virtual string Name => Inner.Name;

    /// <inheritdoc/>
    public virtual DeviceBuffer Allocate(long length) => Inner.Allocate(length);

    /// <inheritdoc/>
    public virtual void Upload(ReadOnlySpan<float> source, Tensor destination) => Inner.Upload(source, destination);

    /// <inheritdoc/>
    public virtual void Download(Tensor source, Span<float> destination) => Inner.Download(source, destination);

    /// <inheritdoc/>
    public virtual void Fill(Tensor destination, float value) => Inner.Fill(destination, value);

    /// <inheritdoc/>
    public virtual void Copy(Tensor source, Tensor destination) => Inner.Copy(source, destination);

    /// <inheritdoc/>
    public virtual IConv2dOperator CreateConv2d(in Conv2dGeometry geometry) => Inner.CreateConv2d(geometry);

    /// <inheritdoc/>
    public virtual ILinearOperator CreateLinear(in LinearGeometry geometry) => Inner.CreateLinear(geometry);

    /// <inheritdoc/>
    public virtual IPool2dOperator CreatePool2d(in Pool2dGeometry geometry) => Inner.CreatePool2d(geometry);

    /// <inheritdoc/>
    public virtual IActivationOperator CreateActivation(in ActivationGeometry geometry) => Inner.CreateActivation(geometry);

    /// <inheritdoc/>
    public virtual IDropoutOperator CreateDropout(in DropoutGeometry geometry) => Inner.CreateDropout(geometry);

    /// <inheritdoc/>
    public virtual IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry) => Inner.CreateBatchNorm(geometry);

    /// <inheritdoc/>
    public virtual FusedOperators FusedOperators => Inner.FusedOperators;

    /// <inheritdoc/>
    public virtual IFusedConv2dOperator CreateFusedConv2d(in Conv2dGeometry geometry, in Epilogue epilogue) => Inner.CreateFusedConv2d(geometry, epilogue);

    /// <inheritdoc/>
    public virtual IFusedLinearOperator CreateFusedLinear(in LinearGeometry geometry, in Epilogue epilogue) => Inner.CreateFusedLinear(geometry, epilogue);

    /// <inheritdoc/>
    public virtual void Add(Tensor a, Tensor b, Tensor output) => Inner.Add(a, b, output);

    /// <inheritdoc/>
    public virtual void CopyStrided(int count, int length, Tensor source, int sourceStride, Tensor destination, int destinationStride)
        => Inner.CopyStrided(count, length, source, sourceStride, destination, destinationStride);

    /// <inheritdoc/>
    public virtual float SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient)
        => Inner.SoftmaxCrossEntropy(batch, classes, logits, labels, gradient);

    /// <inheritdoc/>
    public virtual float NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient)
        => Inner.NllLoss(batch, classes, logProbabilities, labels, gradient);

    /// <inheritdoc/>
    public virtual float ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient)
        => Inner.ProbabilityCrossEntropy(batch, classes, probabilities, labels, gradient);

    /// <inheritdoc/>
    public virtual float AddPenalty(Tensor parameters, Tensor gradients, float l1, float l2) => Inner.AddPenalty(parameters, gradients, l1, l2);

    /// <inheritdoc/>
    public virtual void SgdStep(Tensor parameters, Tensor gradients, Tensor velocity, in SgdStepSettings settings) => Inner.SgdStep(parameters, gradients, velocity, settings);

    /// <inheritdoc/>
    public virtual void AdamStep(Tensor parameters, Tensor gradients, Tensor firstMoment, Tensor secondMoment, in AdamStepSettings settings)
        => Inner.AdamStep(parameters, gradients, firstMoment, secondMoment, settings);

    /// <summary>Does nothing: <see cref="Inner"/> belongs to whoever created it.</summary>
    public void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}

namespace Cnn.Backends;

/// <summary>
/// What generated networks, losses and optimizers run on. The backend is chosen when a network is
/// constructed, never per call; CPU and CUDA implement the same interface, so one generated class
/// runs on either.
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>A short name for messages and reports, e.g. "cpu" or "cuda:0".</summary>
    string Name { get; }

    /// <summary>Allocates <paramref name="length"/> zeroed floats.</summary>
    DeviceBuffer Allocate(long length);

    /// <summary>Copies host floats to the start of <paramref name="destination"/>, which must hold at least <c>source.Length</c>.</summary>
    void Upload(ReadOnlySpan<float> source, Tensor destination);
    /// <summary>Copies all of <paramref name="source"/> to the start of host memory at least as long.</summary>
    void Download(Tensor source, Span<float> destination);
    /// <summary>Sets every element of <paramref name="destination"/> to <paramref name="value"/>.</summary>
    void Fill(Tensor destination, float value);
    /// <summary>Copies all of <paramref name="source"/> to the start of <paramref name="destination"/>, which must be at least as long.</summary>
    void Copy(Tensor source, Tensor destination);

    /// <summary>Prepares a convolution (workspaces, packed layouts, descriptors) once, at network construction.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    IConv2dOperator CreateConv2d(in Conv2dGeometry geometry);
    /// <summary>Prepares a fully connected layer once, at network construction.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    ILinearOperator CreateLinear(in LinearGeometry geometry);
    /// <summary>Prepares a pooling layer once, at network construction.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    IPool2dOperator CreatePool2d(in Pool2dGeometry geometry);
    /// <summary>Prepares an activation once, at network construction.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    IActivationOperator CreateActivation(in ActivationGeometry geometry);
    /// <summary>Prepares a dropout layer, with its mask stream seeded from the geometry, once, at network construction.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    IDropoutOperator CreateDropout(in DropoutGeometry geometry);

    /// <summary>Prepares a batch normalisation once, at network construction.</summary>
    /// <exception cref="ArgumentException">The geometry is inconsistent (see <see cref="GeometryChecks"/>).</exception>
    /// <exception cref="NotSupportedException">The backend has no batch norm (the default implementation).</exception>
    IBatchNormOperator CreateBatchNorm(in BatchNormGeometry geometry)
        => throw new NotSupportedException($"The {Name} backend has no batch norm yet.");

    /// <summary>The fused operators this backend runs in one pass; the others run as their layers in sequence.</summary>
    FusedOperators FusedOperators => FusedOperators.None;

    /// <summary>
    /// A convolution with its epilogue (batch norm in evaluation form, activation) in one step. By
    /// default the layers in sequence (<see cref="SequentialConv2dOperator"/>); a backend that lists the
    /// fusion in <see cref="FusedOperators"/> runs it in one pass.
    /// </summary>
    IFusedConv2dOperator CreateFusedConv2d(in Conv2dGeometry geometry, in Epilogue epilogue)
        => new SequentialConv2dOperator(this, geometry, epilogue);

    /// <summary>A linear layer with its activation in one step; by default the two in sequence (<see cref="SequentialLinearOperator"/>).</summary>
    IFusedLinearOperator CreateFusedLinear(in LinearGeometry geometry, in Epilogue epilogue)
        => new SequentialLinearOperator(this, geometry, epilogue);

    /// <summary>output = a + b, elementwise over <c>output.Length</c> values (residual sums and gradient accumulation; output may be a).</summary>
    void Add(Tensor a, Tensor b, Tensor output)
        => throw new NotSupportedException($"The {Name} backend has no Add yet.");

    /// <summary>
    /// For i in [0, count): copies <paramref name="length"/> values from source[i·sourceStride] to
    /// destination[i·destinationStride]. Concatenation along channels, and its gradient, is this per sample.
    /// </summary>
    void CopyStrided(int count, int length, Tensor source, int sourceStride, Tensor destination, int destinationStride)
        => throw new NotSupportedException($"The {Name} backend has no CopyStrided yet.");

    /// <summary>
    /// Mean cross-entropy of <paramref name="batch"/> rows of <paramref name="classes"/> logits against class
    /// indices stored as floats; writes d(loss)/d(logits) into <paramref name="gradient"/>.
    /// </summary>
    float SoftmaxCrossEntropy(int batch, int classes, Tensor logits, Tensor labels, Tensor gradient);

    /// <summary>Mean negative log-likelihood over log-probabilities (what follows LogSoftmax); writes its gradient.</summary>
    float NllLoss(int batch, int classes, Tensor logProbabilities, Tensor labels, Tensor gradient);

    /// <summary>Mean cross-entropy over probabilities (what follows Softmax, as Keras does), clamped away from 0; writes its gradient.</summary>
    float ProbabilityCrossEntropy(int batch, int classes, Tensor probabilities, Tensor labels, Tensor gradient);

    /// <summary>Adds the gradient of l1·Σ|w| + l2·Σw² to <paramref name="gradients"/>, and returns that penalty.</summary>
    float AddPenalty(Tensor parameters, Tensor gradients, float l1, float l2);

    /// <summary>One SGD step over a contiguous parameter buffer, with PyTorch's formulas.</summary>
    void SgdStep(Tensor parameters, Tensor gradients, Tensor velocity, in SgdStepSettings settings);

    /// <summary>One Adam (or AdamW) step over a contiguous parameter buffer, with PyTorch's formulas.</summary>
    void AdamStep(Tensor parameters, Tensor gradients, Tensor firstMoment, Tensor secondMoment, in AdamStepSettings settings);
}

/// <summary>Per-step SGD settings. <see cref="FirstStep"/> initialises the momentum buffer with the gradient, as PyTorch does.</summary>
public readonly record struct SgdStepSettings(float LearningRate, float Momentum, float Dampening, float WeightDecay, bool Nesterov, bool FirstStep);

/// <summary>Per-step Adam settings; <see cref="Step"/> counts from 1. <see cref="Decoupled"/> selects AdamW's weight decay.</summary>
public readonly record struct AdamStepSettings(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, bool Decoupled, int Step);

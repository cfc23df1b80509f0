using Cnn.Backends;

namespace Cnn;

/// <summary>
/// What every generated network implements, and what losses, optimizers and the training loop are
/// written against. A network owns three backend buffers: parameters, gradients (same layout), and
/// activations (inputs, outputs, their gradients and masks). The generated code holds their offsets
/// as constants.
/// </summary>
/// <remarks>
/// <para>
/// <b>A network instance is single-threaded.</b> Its activation buffers, gradients, input, output
/// and labels serve one call at a time: two threads predicting on one instance overwrite each
/// other's inputs and read each other's outputs, which gives wrong answers, not errors. So the
/// runtime's entry points (Fit, Evaluate, Predict, PredictProbabilities, ConfusionMatrix,
/// FeatureMaps, <c>TrainingStep.Run</c>, <c>ModelFile.Save</c> and <c>Load</c>) detect a second
/// thread entering an instance while another is inside it and throw
/// <see cref="InvalidOperationException"/> at once. The same thread may enter again (a callback in
/// Fit may predict). <see cref="Forward"/> and <see cref="Backward"/> called directly are not
/// guarded: code that calls them owns the instance's thread discipline.
/// </para>
/// <para>
/// To serve in parallel, give each thread its own instance, or keep a pool of instances (each
/// built and loaded from the same model file) that a request borrows and returns; instances share
/// nothing but the backend's thread pool. Or batch: let one worker own each instance and run the
/// requests that are waiting as one batch, as the HTTP service in <c>samples/Serve</c> does (its
/// README section, "Serving over HTTP", shows it).
/// </para>
/// </remarks>
public interface INetwork : IDisposable
{
    /// <summary>The class name, kept in saved models.</summary>
    string ArchitectureName { get; }

    /// <summary>Where the network's buffers live and its layers run, fixed at construction.</summary>
    IBackend Backend { get; }

    /// <summary>The largest batch that <see cref="Forward"/> and <see cref="Backward"/> accept.</summary>
    int MaxBatchSize { get; }

    /// <summary>The shape of one input sample.</summary>
    TensorShape InputShape { get; }

    /// <summary>Features per sample produced by the last layer (classes for a classifier).</summary>
    int OutputSize { get; }

    /// <summary>What the last layer produces, which picks the default loss.</summary>
    OutputKind OutputKind { get; }

    /// <summary>The compile-time, Keras-style summary table.</summary>
    string Summary { get; }

    /// <summary>Parameters in declaration order, with state_dict names and buffer offsets.</summary>
    IReadOnlyList<ParameterInfo> ParameterInfos { get; }

    /// <summary>
    /// Non-trainable state that is saved with the model, such as batch norm's running statistics
    /// (PyTorch's buffers), in declaration order, with offsets into <see cref="Buffers"/>.
    /// </summary>
    IReadOnlyList<ParameterInfo> BufferInfos { get; }

    /// <summary>
    /// All buffers, in one arena (empty when the network has none): each starts 64-byte aligned at its
    /// <see cref="ParameterInfo.Offset"/>, and the padding between them stays zero.
    /// </summary>
    Tensor Buffers { get; }

    /// <summary>
    /// All parameters, in one arena that an optimizer steps as one loop: each starts 64-byte aligned
    /// at its <see cref="ParameterInfo.Offset"/>, and the padding between them is zero, with zero
    /// gradient, so every optimizer leaves it zero. Its length can exceed the parameter count.
    /// </summary>
    Tensor Parameters { get; }

    /// <summary>All parameter gradients, with the same layout as <see cref="Parameters"/> (zero padding included).</summary>
    Tensor Gradients { get; }

    /// <summary>The input batch (MaxBatchSize × InputShape.Size).</summary>
    Tensor Input { get; }

    /// <summary>The output batch (MaxBatchSize × OutputSize).</summary>
    Tensor Output { get; }

    /// <summary>Where a loss writes d(loss)/d(output) before <see cref="Backward"/>.</summary>
    Tensor OutputGradient { get; }

    /// <summary>Class indices of the batch, stored as floats, read by the losses.</summary>
    Tensor Labels { get; }

    /// <summary>Training mode enables dropout and batch norm's batch statistics; evaluation mode disables them.</summary>
    bool Training { get; set; }

    /// <summary>
    /// Lets dropout be switched off while the rest of the network stays in training mode, as PyTorch
    /// allows per module (<c>model.train(); model.dropout.eval()</c>): for parity checks and fine-tuning.
    /// </summary>
    bool DropoutEnabled { get; set; }

    /// <summary>Where the dropout masks come from; the default value, and ignored, for a network without dropout.</summary>
    DropoutState DropoutState { get; set; }

    /// <summary>
    /// One flag per entry of <see cref="ParameterInfos"/>: whether that parameter is frozen (PyTorch's
    /// <c>requires_grad = False</c>). <see cref="Backward"/> computes no gradient for a frozen parameter:
    /// it skips that work and leaves the parameter's slice of <see cref="Gradients"/> as it was, and
    /// stops at the last layer whose parameters and all before them are frozen, as no earlier layer
    /// then needs a gradient.
    /// Optimizers leave a frozen parameter and its state untouched. Set them with
    /// <see cref="Freezing.Freeze"/>, which also zeroes the frozen gradients; empty for a network that
    /// cannot freeze.
    /// </summary>
    Span<bool> FrozenParameters => default;

    /// <summary>
    /// Whether a batch norm layer whose weight is frozen runs in evaluation mode even in training
    /// (normalising with, and not updating, its running statistics), as PyTorch's
    /// <c>model.train(); model.body.eval()</c>. False by default; ignored by a network without batch norm.
    /// </summary>
    bool EvaluateFrozenBatchNorm
    {
        get => false;
        set { }
    }

    /// <summary>Every layer in execution order (blocks expanded), for feature maps and diagnostics.</summary>
    IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>
    /// The network's graph: every node of <see cref="Layers"/>, in the same order, with the nodes it
    /// reads and its geometry, as the generator resolved them. Exporters (ONNX) read it.
    /// </summary>
    /// <exception cref="NotSupportedException">The network was not generated (a hand-written implementation that does not describe its graph).</exception>
    IReadOnlyList<NetworkNode> Graph => throw new NotSupportedException(
        $"{GetType().Name} does not describe its graph: only networks generated from layer attributes (or implementations that override INetwork.Graph) can be exported.");

    /// <summary>The output of <see cref="Layers"/>[<paramref name="layer"/>] for the first <paramref name="batch"/> samples, as computed by the last <see cref="Forward"/>.</summary>
    /// <remarks>
    /// A generated network reuses activation buffers once nothing reads them, so it recomputes the
    /// output by replaying the last forward pass from <see cref="Input"/> up to that layer (same
    /// dropout masks, running statistics left as they were). That overwrites what a pending
    /// <see cref="Backward"/> would read: run <see cref="Forward"/> again before it.
    /// </remarks>
    Tensor LayerOutput(int layer, int batch);

    /// <summary>Runs the first <paramref name="batch"/> samples of <see cref="Input"/> through every layer.</summary>
    void Forward(int batch);

    /// <summary>Back-propagates <see cref="OutputGradient"/>, overwriting <see cref="Gradients"/>.</summary>
    void Backward(int batch);

    /// <summary>What the network was built for; an inference network has no gradients and cannot train.</summary>
    NetworkMode Mode => NetworkMode.Training;

    /// <summary>Re-initialises every parameter with PyTorch's default scheme for its layer, deterministically from <paramref name="seed"/>.</summary>
    void Initialize(ulong seed);
}

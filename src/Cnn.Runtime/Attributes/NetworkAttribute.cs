namespace Cnn;

/// <summary>
/// Marks a <c>partial</c> class as a network. The source generator reads the <see cref="InputAttribute"/>
/// and the layer attributes that follow, in source order, infers every shape, reports shape mistakes
/// as compiler errors (CNN0001…), and emits the forward and backward code.
/// </summary>
/// <example>
/// <code>
/// [Network]
/// [Input(1, 28, 28)]
/// [Conv2d("conv1", 32, 3, Padding = 1)]
/// [ReLU]
/// [MaxPool2d(2)]
/// [Flatten]
/// [Linear("fc", 10)]
/// public partial class TinyNet;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>
    /// Whether the generated forward pass fuses layers where the backend can (default true): a
    /// convolution or linear layer with the activation after it, and in an inference network
    /// (<see cref="NetworkMode.Inference"/>) a convolution with the batch norm after it, each in one
    /// pass over the output. False runs every layer as its own step, as PyTorch's eager mode does;
    /// results agree within float rounding either way.
    /// </summary>
    public bool Fuse { get; set; } = true;
}

namespace Cnn;

/// <summary>How a convolution pads its input.</summary>
public enum PaddingMode
{
    /// <summary>Pad by <see cref="Conv2dAttribute.Padding"/> on every side.</summary>
    Explicit = 0,
    /// <summary>Pad so the output keeps the input's height and width (stride 1, odd kernel), like PyTorch's padding='same'.</summary>
    Same = 1,
    /// <summary>No padding, like padding='valid'.</summary>
    Valid = 2,
}

/// <summary>
/// A 2-D convolution, like PyTorch's <c>nn.Conv2d</c>: weight [out, in/groups, k, k] and bias [out].
/// Sizes are integers; inside a <see cref="BlockAttribute">block</see> they may also be expressions
/// over the block's parameters, such as <c>"planes * 4"</c> or <c>"stride"</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2dAttribute : LayerAttribute
{
    public Conv2dAttribute(string name, object outChannels, object kernelSize) : base(name)
    {
        OutChannels = outChannels;
        KernelSize = kernelSize;
    }

    public object OutChannels { get; }
    public object KernelSize { get; }
    public object Stride { get; set; } = 1;
    public object Padding { get; set; } = 0;
    public PaddingMode PaddingMode { get; set; }
    public object Dilation { get; set; } = 1;
    public object Groups { get; set; } = 1;
    public bool Bias { get; set; } = true;

    /// <summary>Optional: the input channels you expect. The build fails if the previous layer produces a different number.</summary>
    public object InChannels { get; set; } = 0;
}

namespace Cnn;

/// <summary>How a convolution pads its input.</summary>
public enum PaddingMode
{
    /// <summary>Pad by <see cref="Conv2dAttribute.Padding"/> (or its per-axis values) on every side.</summary>
    Explicit = 0,
    /// <summary>
    /// Pad so the output keeps the input's height and width, like PyTorch's padding='same': stride 1
    /// and an odd effective kernel along each axis; a (1, 7) kernel pads (0, 3).
    /// </summary>
    Same = 1,
    /// <summary>No padding, like padding='valid'.</summary>
    Valid = 2,
}

/// <summary>
/// A 2-D convolution, like PyTorch's <c>nn.Conv2d</c>: weight [out, in/groups, kh, kw] and bias [out].
/// </summary>
/// <remarks>
/// <para>
/// <c>kernelSize</c>, <see cref="Stride"/>, <see cref="Padding"/> and <see cref="Dilation"/> apply to
/// both axes. For PyTorch's pairs, such as Inception-v3's <c>kernel_size=(1, 7), padding=(0, 3)</c>,
/// set an axis apart: <c>[Conv2d("conv", 192, 1, KernelWidth = 7, PaddingWidth = 3)]</c>.
/// </para>
/// <para>
/// Inside a <see cref="BlockAttribute">block</see>, sizes may be expressions over the block's
/// parameters: pass a string for <c>outChannels</c> or <c>kernelSize</c> (<c>"planes * 4"</c>), and set
/// <see cref="StrideExpression"/> and the like instead of the integer property (<c>StrideExpression = "stride"</c>).
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2dAttribute : LayerAttribute
{
    private int? _kernelHeight, _kernelWidth, _strideHeight, _strideWidth, _paddingHeight, _paddingWidth, _dilationHeight, _dilationWidth;

    /// <summary>A convolution to <paramref name="outChannels"/> channels with a square kernel.</summary>
    public Conv2dAttribute(string name, int outChannels, int kernelSize) : this(name, (object)outChannels, kernelSize) { }

    /// <summary>Inside a block: <paramref name="outChannels"/> is an expression over the block's parameters, e.g. <c>"planes * 4"</c>.</summary>
    public Conv2dAttribute(string name, string outChannels, int kernelSize) : this(name, (object)outChannels, kernelSize) { }

    /// <summary>Inside a block: <paramref name="kernelSize"/> is an expression over the block's parameters.</summary>
    public Conv2dAttribute(string name, int outChannels, string kernelSize) : this(name, (object)outChannels, kernelSize) { }

    /// <summary>Inside a block: both sizes are expressions over the block's parameters.</summary>
    public Conv2dAttribute(string name, string outChannels, string kernelSize) : this(name, (object)outChannels, kernelSize) { }

    private Conv2dAttribute(string name, object outChannels, object kernelSize) : base(name)
    {
        OutChannels = outChannels;
        KernelSize = kernelSize;
    }

    /// <summary>The output channels: an <see cref="int"/>, or a block's size expression.</summary>
    public object OutChannels { get; }

    /// <summary>The kernel's height and width: an <see cref="int"/>, or a block's size expression.</summary>
    public object KernelSize { get; }

    /// <summary>The kernel's height, when it differs from its width; defaults to <c>kernelSize</c>.</summary>
    public int KernelHeight { get => _kernelHeight ?? (KernelSize as int? ?? 0); set => _kernelHeight = value; }

    /// <summary>The kernel's width, when it differs from its height; defaults to <c>kernelSize</c>.</summary>
    public int KernelWidth { get => _kernelWidth ?? (KernelSize as int? ?? 0); set => _kernelWidth = value; }

    /// <summary>The step between windows along both axes.</summary>
    public int Stride { get; set; } = 1;

    /// <summary><see cref="Stride"/> as an expression over a block's parameters, e.g. <c>"stride"</c>.</summary>
    public string? StrideExpression { get; set; }

    /// <summary>The vertical step; defaults to <see cref="Stride"/>.</summary>
    public int StrideHeight { get => _strideHeight ?? Stride; set => _strideHeight = value; }

    /// <summary>The horizontal step; defaults to <see cref="Stride"/>.</summary>
    public int StrideWidth { get => _strideWidth ?? Stride; set => _strideWidth = value; }

    /// <summary>Zeros added on every side (with <see cref="PaddingMode.Explicit"/>).</summary>
    public int Padding { get; set; }

    /// <summary><see cref="Padding"/> as an expression over a block's parameters, e.g. <c>"padding"</c>.</summary>
    public string? PaddingExpression { get; set; }

    /// <summary>Zeros added at the top and bottom; defaults to <see cref="Padding"/>.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>Zeros added at the left and right; defaults to <see cref="Padding"/>.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }

    /// <summary>Explicit (the default, <see cref="Padding"/>), <see cref="PaddingMode.Same"/> or <see cref="PaddingMode.Valid"/>.</summary>
    public PaddingMode PaddingMode { get; set; }

    /// <summary>The spacing between kernel taps along both axes (atrous convolution).</summary>
    public int Dilation { get; set; } = 1;

    /// <summary><see cref="Dilation"/> as an expression over a block's parameters.</summary>
    public string? DilationExpression { get; set; }

    /// <summary>The vertical spacing between taps; defaults to <see cref="Dilation"/>.</summary>
    public int DilationHeight { get => _dilationHeight ?? Dilation; set => _dilationHeight = value; }

    /// <summary>The horizontal spacing between taps; defaults to <see cref="Dilation"/>.</summary>
    public int DilationWidth { get => _dilationWidth ?? Dilation; set => _dilationWidth = value; }

    /// <summary>Channel groups: input and output channels are split into this many independent convolutions (depthwise: the input channels).</summary>
    public int Groups { get; set; } = 1;

    /// <summary><see cref="Groups"/> as an expression over a block's parameters.</summary>
    public string? GroupsExpression { get; set; }

    /// <summary>Whether the layer adds a bias per output channel.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>Optional: the input channels you expect. The build fails if the previous layer produces a different number.</summary>
    public int InChannels { get; set; }

    /// <summary><see cref="InChannels"/> as an expression over a block's parameters.</summary>
    public string? InChannelsExpression { get; set; }
}

namespace Cnn;

/// <summary>
/// What the windowed pools share: a kernel and a stride (0, the default, means equal to the kernel,
/// as in PyTorch) and padding, each for both axes or per axis as PyTorch's pairs, e.g.
/// <c>kernel_size=(3, 1)</c> is <c>KernelWidth = 1</c> on a kernel of 3. Inside a
/// <see cref="BlockAttribute">block</see> the kernel may be a size expression and
/// <see cref="StrideExpression"/>/<see cref="PaddingExpression"/> replace the integer properties.
/// </summary>
public abstract class Pool2dAttribute : LayerAttribute
{
    private int? _kernelHeight, _kernelWidth, _strideHeight, _strideWidth, _paddingHeight, _paddingWidth;

    private protected Pool2dAttribute(string? name, object kernelSize) : base(name) => KernelSize = kernelSize;

    /// <summary>The window's height and width: an <see cref="int"/>, or a block's size expression.</summary>
    public object KernelSize { get; }

    /// <summary>The window's height; defaults to <see cref="KernelSize"/>.</summary>
    public int KernelHeight { get => _kernelHeight ?? (KernelSize as int? ?? 0); set => _kernelHeight = value; }

    /// <summary>The window's width; defaults to <see cref="KernelSize"/>.</summary>
    public int KernelWidth { get => _kernelWidth ?? (KernelSize as int? ?? 0); set => _kernelWidth = value; }

    /// <summary>The step between windows; 0 (the default) means equal to the kernel.</summary>
    public int Stride { get; set; }

    /// <summary><see cref="Stride"/> as an expression over a block's parameters.</summary>
    public string? StrideExpression { get; set; }

    /// <summary>The vertical step; defaults to <see cref="Stride"/> (0: the kernel's height).</summary>
    public int StrideHeight { get => _strideHeight ?? Stride; set => _strideHeight = value; }

    /// <summary>The horizontal step; defaults to <see cref="Stride"/> (0: the kernel's width).</summary>
    public int StrideWidth { get => _strideWidth ?? Stride; set => _strideWidth = value; }

    /// <summary>Padding on every side, at most half the kernel.</summary>
    public int Padding { get; set; }

    /// <summary><see cref="Padding"/> as an expression over a block's parameters.</summary>
    public string? PaddingExpression { get; set; }

    /// <summary>Padding at the top and bottom; defaults to <see cref="Padding"/>.</summary>
    public int PaddingHeight { get => _paddingHeight ?? Padding; set => _paddingHeight = value; }

    /// <summary>Padding at the left and right; defaults to <see cref="Padding"/>.</summary>
    public int PaddingWidth { get => _paddingWidth ?? Padding; set => _paddingWidth = value; }
}

/// <summary>Max pooling, like PyTorch's <c>nn.MaxPool2d</c>; padding never wins the maximum.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2dAttribute : Pool2dAttribute
{
    /// <summary>An unnamed max pool over square windows of <paramref name="kernelSize"/> pixels.</summary>
    public MaxPool2dAttribute(int kernelSize) : base(null, kernelSize) { }
    /// <summary>A max pool named <paramref name="name"/> over square windows of <paramref name="kernelSize"/> pixels.</summary>
    public MaxPool2dAttribute(string name, int kernelSize) : base(name, kernelSize) { }
    /// <summary>Inside a block: <paramref name="kernelSize"/> is an expression over the block's parameters.</summary>
    public MaxPool2dAttribute(string name, string kernelSize) : base(name, kernelSize) { }

    /// <summary>
    /// Round the output size up instead of down, like PyTorch's ceil_mode=True; the last window must
    /// still start inside the input or its left padding.
    /// </summary>
    public bool CeilMode { get; set; }
}

/// <summary>
/// Average pooling, like PyTorch's <c>nn.AvgPool2d</c>. By default padding counts as zeros in the
/// average (count_include_pad=True).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2dAttribute : Pool2dAttribute
{
    /// <summary>An unnamed average pool over square windows of <paramref name="kernelSize"/> pixels.</summary>
    public AvgPool2dAttribute(int kernelSize) : base(null, kernelSize) { }
    /// <summary>An average pool named <paramref name="name"/> over square windows of <paramref name="kernelSize"/> pixels.</summary>
    public AvgPool2dAttribute(string name, int kernelSize) : base(name, kernelSize) { }
    /// <summary>Inside a block: <paramref name="kernelSize"/> is an expression over the block's parameters.</summary>
    public AvgPool2dAttribute(string name, string kernelSize) : base(name, kernelSize) { }

    /// <summary>
    /// Round the output size up instead of down, like PyTorch's ceil_mode=True; the last window must
    /// still start inside the input or its left padding. A window that runs past the right padding
    /// divides, as PyTorch's does, by its part inside the padded input (or, with
    /// <see cref="CountIncludePad"/> false, inside the input).
    /// </summary>
    public bool CeilMode { get; set; }

    /// <summary>
    /// PyTorch's count_include_pad: true (the default) divides by the window including its padded
    /// zeros; false divides by the number of input elements in the window.
    /// </summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>Sum pooling: the sum over each window (PyTorch's <c>nn.LPPool2d(1, k)</c> on non-negative inputs).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SumPool2dAttribute : Pool2dAttribute
{
    /// <summary>An unnamed sum pool over square windows of <paramref name="kernelSize"/> pixels.</summary>
    public SumPool2dAttribute(int kernelSize) : base(null, kernelSize) { }
    /// <summary>A sum pool named <paramref name="name"/> over square windows of <paramref name="kernelSize"/> pixels.</summary>
    public SumPool2dAttribute(string name, int kernelSize) : base(name, kernelSize) { }
    /// <summary>Inside a block: <paramref name="kernelSize"/> is an expression over the block's parameters.</summary>
    public SumPool2dAttribute(string name, string kernelSize) : base(name, kernelSize) { }
}

/// <summary>Adaptive average pooling to a fixed output size, like PyTorch's <c>nn.AdaptiveAvgPool2d</c>; 1 is global average pooling.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdaptiveAvgPool2dAttribute : LayerAttribute
{
    /// <summary>An unnamed adaptive pool producing <paramref name="outputSize"/> × <paramref name="outputSize"/> pixels per channel.</summary>
    public AdaptiveAvgPool2dAttribute(int outputSize) : base(null) => OutputSize = outputSize;
    /// <summary>An adaptive pool named <paramref name="name"/> producing <paramref name="outputSize"/> × <paramref name="outputSize"/> pixels per channel.</summary>
    public AdaptiveAvgPool2dAttribute(string name, int outputSize) : base(name) => OutputSize = outputSize;

    /// <summary>The output height and width.</summary>
    public int OutputSize { get; }
}

namespace Cnn;

/// <summary>Max pooling, like PyTorch's <c>nn.MaxPool2d</c>. Stride defaults to the kernel size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2dAttribute : LayerAttribute
{
    public MaxPool2dAttribute(object kernelSize) : base(null) => KernelSize = kernelSize;
    public MaxPool2dAttribute(string name, object kernelSize) : base(name) => KernelSize = kernelSize;

    public object KernelSize { get; }
    /// <summary>0 (the default) means equal to <see cref="KernelSize"/>.</summary>
    public object Stride { get; set; } = 0;
    public object Padding { get; set; } = 0;
    /// <summary>Round the output size up instead of down, like PyTorch's ceil_mode=True.</summary>
    public bool CeilMode { get; set; }
}

/// <summary>Average pooling, like PyTorch's <c>nn.AvgPool2d</c> (padding counts as zeros). Stride defaults to the kernel size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2dAttribute : LayerAttribute
{
    public AvgPool2dAttribute(object kernelSize) : base(null) => KernelSize = kernelSize;
    public AvgPool2dAttribute(string name, object kernelSize) : base(name) => KernelSize = kernelSize;

    public object KernelSize { get; }
    /// <summary>0 (the default) means equal to <see cref="KernelSize"/>.</summary>
    public object Stride { get; set; } = 0;
    public object Padding { get; set; } = 0;
}

/// <summary>Sum pooling: the sum over each window (PyTorch's <c>nn.LPPool2d(1, k)</c> on non-negative inputs). Stride defaults to the kernel size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SumPool2dAttribute : LayerAttribute
{
    public SumPool2dAttribute(object kernelSize) : base(null) => KernelSize = kernelSize;
    public SumPool2dAttribute(string name, object kernelSize) : base(name) => KernelSize = kernelSize;

    public object KernelSize { get; }
    /// <summary>0 (the default) means equal to <see cref="KernelSize"/>.</summary>
    public object Stride { get; set; } = 0;
    public object Padding { get; set; } = 0;
}

/// <summary>Adaptive average pooling to a fixed output size, like PyTorch's <c>nn.AdaptiveAvgPool2d</c>; 1 is global average pooling.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AdaptiveAvgPool2dAttribute : LayerAttribute
{
    public AdaptiveAvgPool2dAttribute(object outputSize) : base(null) => OutputSize = outputSize;
    public AdaptiveAvgPool2dAttribute(string name, object outputSize) : base(name) => OutputSize = outputSize;

    /// <summary>The output height and width.</summary>
    public object OutputSize { get; }
}

namespace Cnn;

/// <summary>Max pooling, like PyTorch's <c>nn.MaxPool2d</c>. Stride defaults to the kernel size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2dAttribute : LayerAttribute
{
    public MaxPool2dAttribute(int kernelSize) : base(null) => KernelSize = kernelSize;
    public MaxPool2dAttribute(string name, int kernelSize) : base(name) => KernelSize = kernelSize;

    public int KernelSize { get; }
    /// <summary>0 (the default) means equal to <see cref="KernelSize"/>.</summary>
    public int Stride { get; set; }
    public int Padding { get; set; }
}

/// <summary>Average pooling, like PyTorch's <c>nn.AvgPool2d</c> (padding counts as zeros). Stride defaults to the kernel size.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2dAttribute : LayerAttribute
{
    public AvgPool2dAttribute(int kernelSize) : base(null) => KernelSize = kernelSize;
    public AvgPool2dAttribute(string name, int kernelSize) : base(name) => KernelSize = kernelSize;

    public int KernelSize { get; }
    /// <summary>0 (the default) means equal to <see cref="KernelSize"/>.</summary>
    public int Stride { get; set; }
    public int Padding { get; set; }
}

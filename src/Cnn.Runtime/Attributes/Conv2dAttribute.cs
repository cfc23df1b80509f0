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

/// <summary>A 2-D convolution, like PyTorch's <c>nn.Conv2d</c>: weight [out, in/groups, k, k] and bias [out].</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2dAttribute : LayerAttribute
{
    public Conv2dAttribute(string name, int outChannels, int kernelSize) : base(name)
    {
        OutChannels = outChannels;
        KernelSize = kernelSize;
    }

    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; set; } = 1;
    public int Padding { get; set; }
    public PaddingMode PaddingMode { get; set; }
    public int Dilation { get; set; } = 1;
    public int Groups { get; set; } = 1;
    public bool Bias { get; set; } = true;

    /// <summary>Optional: the input channels you expect. The build fails if the previous layer produces a different number.</summary>
    public int InChannels { get; set; }
}

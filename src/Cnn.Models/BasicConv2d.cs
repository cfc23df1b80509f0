namespace Cnn.Models;

/// <summary>GoogLeNet's convolution unit as torchvision builds it: convolution without bias, batch norm with eps 0.001, ReLU.</summary>
[Block("outChannels", "kernel", "stride = 1", "padding = 0")]
[Conv2d("conv", "outChannels", "kernel", StrideExpression = "stride", PaddingExpression = "padding", Bias = false)]
[BatchNorm2d("bn", Eps = 0.001)]
[ReLU]
public sealed class BasicConv2d
{
}

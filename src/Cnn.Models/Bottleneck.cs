namespace Cnn.Models;

/// <summary>
/// ResNet's bottleneck block as torchvision builds it (ResNet v1.5: the stride is on the 3×3
/// convolution): 1×1 down to <c>planes</c>, 3×3, 1×1 up to 4·planes, added to the input.
/// </summary>
[Block("planes", "stride = 1")]
[Residual]
[Conv2d("conv1", "planes", 1, Bias = false)]
[BatchNorm2d("bn1")]
[ReLU]
[Conv2d("conv2", "planes", 3, StrideExpression = "stride", Padding = 1, Bias = false)]
[BatchNorm2d("bn2")]
[ReLU]
[Conv2d("conv3", "planes * 4", 1, Bias = false)]
[BatchNorm2d("bn3")]
[Shortcut("downsample", OnlyWhenShapeChanges = true)]
[Conv2d("0", "planes * 4", 1, StrideExpression = "stride", Bias = false)]
[BatchNorm2d("1")]
[EndResidual]
[ReLU]
public sealed class Bottleneck
{
}

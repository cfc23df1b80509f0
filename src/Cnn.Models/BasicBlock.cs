namespace Cnn.Models;

/// <summary>
/// ResNet's basic block (He et al., 2015), as torchvision builds it: two 3×3 convolutions with batch
/// norm, added to the input, through a 1×1 projection named <c>downsample</c> when the shape changes.
/// </summary>
[Block("planes", "stride = 1")]
[Residual]
[Conv2d("conv1", "planes", 3, StrideExpression = "stride", Padding = 1, Bias = false)]
[BatchNorm2d("bn1")]
[ReLU]
[Conv2d("conv2", "planes", 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn2")]
[Shortcut("downsample", OnlyWhenShapeChanges = true)]
[Conv2d("0", "planes", 1, StrideExpression = "stride", Bias = false)]
[BatchNorm2d("1")]
[EndResidual]
[ReLU]
public sealed class BasicBlock
{
}

using Cnn;

namespace Cnn.Runtime.Tests.Networks;

[Block("out", "stride = 1")]
[Residual]
[Conv2d("conv1", "out", 3, StrideExpression = "stride", Padding = 1, Bias = false)]
[BatchNorm2d("bn1")]
[Tanh]
[Conv2d("conv2", "out", 3, Padding = 1)]
[Shortcut("downsample")]
[Conv2d("0", "out", 1, StrideExpression = "stride")]
[EndResidual]
[Tanh]
public sealed class TinyResidual
{
}

[Block("a", "b")]
[Concat]
[Branch("left")]
[Conv2d("conv", "a", 1)]
[Branch("middle")]
[Conv2d("conv", "b", 3, Padding = 1)]
[Sigmoid]
[Branch("right")]
[AvgPool2d(3, Stride = 1, Padding = 1)]
[Branch]
[EndConcat]
public sealed class TinyInception
{
}

/// <summary>
/// Identity and projection residuals, a four-branch concat (one branch the identity, so the block
/// input's gradient sums four contributions), batch norm in 2d and 1d, sum and adaptive average
/// pooling: every composition path of the generator. Only smooth functions, so that finite
/// differences are exact up to rounding (the kinks of ReLU and max pooling are checked per kernel).
/// </summary>
[Network]
[Input(2, 7, 7)]
[Conv2d("stem", 3, 3, Padding = 1)]
[Use<TinyResidual>("res1", 3)]
[Use<TinyResidual>("res2", 4, 2)]
[Use<TinyInception>("mix", 2, 3)]
[SumPool2d(2)]
[AvgPool2d(2)]
[AdaptiveAvgPool2d("avgpool", 2)]
[Flatten]
[Linear("fc1", 5)]
[BatchNorm1d("bn")]
[Sigmoid]
[Linear("fc2", 3)]
public partial class CompositionNet
{
}

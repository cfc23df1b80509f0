namespace Cnn.Runtime.Tests.Networks;

/// <summary>
/// Every fusion the planner makes: convolution + bias + ReLU (both plans), convolution + batch norm
/// + LeakyReLU and convolution + batch norm (folded in the inference plan only), each convolution +
/// max pool in the inference plan (conv3's with the ReLU after the pool moved before it), linear + bias + Tanh.
/// <see cref="UnfusedFusionNet"/> is the same network with every layer a step of its own.
/// </summary>
[Network]
[Input(3, 10, 10)]
[Conv2d("conv1", 8, 3, Padding = 1)]
[ReLU]
[Conv2d("conv2", 8, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn2")]
[LeakyReLU(NegativeSlope = 0.1)]
[MaxPool2d(2)]
[Conv2d("conv3", 12, 3, Padding = 1)]
[BatchNorm2d("bn3")]
[MaxPool2d(2, Stride = 1)]
[ReLU]
[Flatten]
[Linear("fc1", 16)]
[Tanh]
[Linear("fc2", 5)]
public partial class FusionNet
{
}

/// <summary><see cref="FusionNet"/> with fusion turned off.</summary>
[Network(Fuse = false)]
[Input(3, 10, 10)]
[Conv2d("conv1", 8, 3, Padding = 1)]
[ReLU]
[Conv2d("conv2", 8, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn2")]
[LeakyReLU(NegativeSlope = 0.1)]
[MaxPool2d(2)]
[Conv2d("conv3", 12, 3, Padding = 1)]
[BatchNorm2d("bn3")]
[MaxPool2d(2, Stride = 1)]
[ReLU]
[Flatten]
[Linear("fc1", 16)]
[Tanh]
[Linear("fc2", 5)]
public partial class UnfusedFusionNet
{
}

using Cnn;
using Cnn.Models;

namespace Cnn.Runtime.Tests.Parity;

// The zoo's torchvision bodies with 10 classes at small inputs, so that the parity checks stay within
// CI's time: 32×32, the smallest they accept, except where batch norm needs more values per channel
// to be well conditioned in training mode (see tests/parity/torch_parity.py).

[Network]
[Input(3, 64, 64)]
[Use<ResNet18Layers>("", 10)]
public partial class ParityResNet18
{
}

[Network]
[Input(3, 64, 64)]
[Use<GoogLeNetLayers>("", 10)]
public partial class ParityGoogLeNet
{
}

[Network]
[Input(3, 32, 32)]
[Use<Vgg16Layers>("", 10)]
public partial class ParityVgg16
{
}

/// <summary>SiLU and GELU in a small network: torch_parity.py's SmoothNet.</summary>
[Network]
[Input(3, 16, 16)]
[Conv2d("conv1", 8, 3, Padding = 1)]
[SiLU]
[BatchNorm2d("bn1")]
[Conv2d("conv2", 16, 3, Stride = 2, Padding = 1)]
[GELU]
[AdaptiveAvgPool2d("pool", 2)]
[Flatten]
[Linear("fc1", 32)]
[GELU]
[Linear("fc2", 10)]
public partial class ParitySmoothNet
{
}

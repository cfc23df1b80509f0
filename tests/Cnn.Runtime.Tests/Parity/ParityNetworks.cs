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

/// <summary>
/// Non-square windows (Inception-v3's (1, 7) and (7, 1)) and AvgPool2d's ceil_mode with and without
/// count_include_pad: torch_parity.py's WindowsNet.
/// </summary>
[Network]
[Input(3, 16, 13)]
[Conv2d("conv1", 8, 1, KernelWidth = 7, PaddingWidth = 3)]
[ReLU]
[Conv2d("conv2", 8, 7, KernelWidth = 1, PaddingMode = PaddingMode.Same)]
[ReLU]
[AvgPool2d(3, Stride = 2, Padding = 1, CeilMode = true, CountIncludePad = false)]
[Conv2d("conv3", 12, 3, KernelWidth = 2, Stride = 2, StrideWidth = 1, PaddingHeight = 1, DilationWidth = 2)]
[ReLU]
[MaxPool2d(2, KernelWidth = 3, Stride = 2, StrideHeight = 1, Padding = 1, CeilMode = true)]
[AvgPool2d(3, KernelWidth = 2, Stride = 2, StrideWidth = 1, PaddingHeight = 1, CeilMode = true)]
[Flatten]
[Linear("fc", 10)]
public partial class ParityWindowsNet
{
}

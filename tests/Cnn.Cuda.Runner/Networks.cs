using Cnn.Models;

namespace Cnn.Cuda.Runner;

/// <summary>The PyTorch MNIST tutorial network (the FashionMnist sample's MnistNet).</summary>
[Network]
[Input(1, 28, 28)]
[Conv2d("conv1", 32, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Conv2d("conv2", 64, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Flatten]
[Linear("fc1", 128)]
[ReLU]
[Linear("fc2", 10)]
[LogSoftmax]
public partial class MnistNet
{
}

/// <summary>torchvision's ResNet-18 layers for CIFAR-sized 3×32×32 images and 10 classes.</summary>
[Network]
[Input(3, 32, 32)]
[Use<ResNet18Layers>("", 10)]
public partial class ResNet18Cifar
{
}

/// <summary>GoogLeNet's layers at 3×32×32: ceil-mode pooling and concatenation.</summary>
[Network]
[Input(3, 32, 32)]
[Use<GoogLeNetLayers>("", 10)]
public partial class GoogLeNetCifar
{
}

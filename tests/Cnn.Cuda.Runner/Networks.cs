using Cnn.Models;

namespace Cnn.Cuda.Runner;

/// <summary>The PyTorch MNIST tutorial network (the FashionMnist sample's MnistNet).</summary>
[Network]
[Input(1, 28, 28)]
[Use<MnistTutorialLayers>("")]
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

using Cnn.Models;

namespace Cnn.Cuda.Tests;

// The zoo's layer stacks at small inputs, so that the CPU reference backend checks them in seconds.

[Network]
[Input(3, 32, 32)]
[Use<ResNet18Layers>("", 10)]
public partial class SmallResNet18
{
}

[Network]
[Input(3, 32, 32)]
[Use<ResNet34Layers>("", 10)]
public partial class SmallResNet34
{
}

[Network]
[Input(3, 32, 32)]
[Use<ResNet50Layers>("", 10)]
public partial class SmallResNet50
{
}

[Network]
[Input(3, 32, 32)]
[Use<Vgg16Layers>("", 10)]
public partial class SmallVgg16
{
}

[Network]
[Input(3, 32, 32)]
[Use<Vgg19Layers>("", 10)]
public partial class SmallVgg19
{
}

[Network]
[Input(3, 32, 32)]
[Use<GoogLeNetLayers>("", 10)]
public partial class SmallGoogLeNet
{
}

[Network]
[Input(3, 64, 64)]
[Use<AlexNetLayers>("", 10)]
public partial class SmallAlexNet
{
}

/// <summary>The PyTorch MNIST tutorial network, as the FashionMnist sample trains it.</summary>
[Network]
[Input(1, 28, 28)]
[Use<MnistTutorialLayers>("")]
public partial class TutorialMnistNet
{
}

/// <summary>Every kind of state a captured step must advance: batch norm statistics, dropout masks, leaky ReLU and average pooling.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2d("conv1", 8, 3, Padding = 1)]
[BatchNorm2d("bn1")]
[LeakyReLU]
[AvgPool2d(2)]
[Conv2d("conv2", 16, 3)]
[ReLU]
[MaxPool2d(2)]
[Flatten]
[Dropout(0.25)]
[Linear("fc1", 32)]
[BatchNorm1d("bn2")]
[Tanh]
[Linear("fc2", 10)]
public partial class GraphTestNet
{
}

namespace Cnn.Models;

/// <summary>The layers of torchvision's ResNet-34, with its state_dict names, for inputs of at least 32×32.</summary>
[Block("classes = 1000")]
[Conv2d("conv1", 64, 7, Stride = 2, Padding = 3, Bias = false)]
[BatchNorm2d("bn1")]
[ReLU]
[MaxPool2d(3, Stride = 2, Padding = 1)]
[Use<BasicBlock>("layer1.0", 64)]
[Use<BasicBlock>("layer1.1", 64)]
[Use<BasicBlock>("layer1.2", 64)]
[Use<BasicBlock>("layer2.0", 128, 2)]
[Use<BasicBlock>("layer2.1", 128)]
[Use<BasicBlock>("layer2.2", 128)]
[Use<BasicBlock>("layer2.3", 128)]
[Use<BasicBlock>("layer3.0", 256, 2)]
[Use<BasicBlock>("layer3.1", 256)]
[Use<BasicBlock>("layer3.2", 256)]
[Use<BasicBlock>("layer3.3", 256)]
[Use<BasicBlock>("layer3.4", 256)]
[Use<BasicBlock>("layer3.5", 256)]
[Use<BasicBlock>("layer4.0", 512, 2)]
[Use<BasicBlock>("layer4.1", 512)]
[Use<BasicBlock>("layer4.2", 512)]
[AdaptiveAvgPool2d("avgpool", 1)]
[Flatten]
[Linear("fc", "classes")]
public sealed class ResNet34Layers
{
}

/// <summary>torchvision's ResNet-34 for 3×224×224 images: 21,797,672 parameters.</summary>
[Network]
[Input(3, 224, 224)]
[Use<ResNet34Layers>("")]
public partial class ResNet34
{
}

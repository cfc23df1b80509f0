namespace Cnn.Models;

/// <summary>The layers of torchvision's ResNet-50, with its state_dict names, for inputs of at least 32×32.</summary>
[Block("classes = 1000")]
[Conv2d("conv1", 64, 7, Stride = 2, Padding = 3, Bias = false)]
[BatchNorm2d("bn1")]
[ReLU]
[MaxPool2d(3, Stride = 2, Padding = 1)]
[Use<Bottleneck>("layer1.0", 64)]
[Use<Bottleneck>("layer1.1", 64)]
[Use<Bottleneck>("layer1.2", 64)]
[Use<Bottleneck>("layer2.0", 128, 2)]
[Use<Bottleneck>("layer2.1", 128)]
[Use<Bottleneck>("layer2.2", 128)]
[Use<Bottleneck>("layer2.3", 128)]
[Use<Bottleneck>("layer3.0", 256, 2)]
[Use<Bottleneck>("layer3.1", 256)]
[Use<Bottleneck>("layer3.2", 256)]
[Use<Bottleneck>("layer3.3", 256)]
[Use<Bottleneck>("layer3.4", 256)]
[Use<Bottleneck>("layer3.5", 256)]
[Use<Bottleneck>("layer4.0", 512, 2)]
[Use<Bottleneck>("layer4.1", 512)]
[Use<Bottleneck>("layer4.2", 512)]
[AdaptiveAvgPool2d("avgpool", 1)]
[Flatten]
[Linear("fc", "classes")]
public sealed class ResNet50Layers
{
}

/// <summary>torchvision's ResNet-50 for 3×224×224 images: 25,557,032 parameters.</summary>
[Network]
[Input(3, 224, 224)]
[Use<ResNet50Layers>("")]
public partial class ResNet50
{
}

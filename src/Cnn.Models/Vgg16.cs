namespace Cnn.Models;

/// <summary>The layers of torchvision's VGG-16 (configuration D, no batch norm), with its state_dict names, for inputs of at least 32×32.</summary>
[Block("classes = 1000")]
[Conv2d("features.0", 64, 3, Padding = 1)]
[ReLU]
[Conv2d("features.2", 64, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("features.5", 128, 3, Padding = 1)]
[ReLU]
[Conv2d("features.7", 128, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("features.10", 256, 3, Padding = 1)]
[ReLU]
[Conv2d("features.12", 256, 3, Padding = 1)]
[ReLU]
[Conv2d("features.14", 256, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("features.17", 512, 3, Padding = 1)]
[ReLU]
[Conv2d("features.19", 512, 3, Padding = 1)]
[ReLU]
[Conv2d("features.21", 512, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("features.24", 512, 3, Padding = 1)]
[ReLU]
[Conv2d("features.26", 512, 3, Padding = 1)]
[ReLU]
[Conv2d("features.28", 512, 3, Padding = 1)]
[ReLU]
[MaxPool2d(2)]
[AdaptiveAvgPool2d("avgpool", 7)]
[Flatten]
[Linear("classifier.0", 4096)]
[ReLU]
[Dropout(0.5)]
[Linear("classifier.3", 4096)]
[ReLU]
[Dropout(0.5)]
[Linear("classifier.6", "classes")]
public sealed class Vgg16Layers
{
}

/// <summary>torchvision's VGG-16 for 3×224×224 images: 138,357,544 parameters.</summary>
[Network]
[Input(3, 224, 224)]
[Use<Vgg16Layers>("")]
public partial class Vgg16
{
}

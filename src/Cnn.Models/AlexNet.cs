namespace Cnn.Models;

/// <summary>The layers of torchvision's AlexNet, with its state_dict names, for any input of at least 63×63.</summary>
[Block("classes = 1000")]
[Conv2d("features.0", 64, 11, Stride = 4, Padding = 2)]
[ReLU]
[MaxPool2d(3, Stride = 2)]
[Conv2d("features.3", 192, 5, Padding = 2)]
[ReLU]
[MaxPool2d(3, Stride = 2)]
[Conv2d("features.6", 384, 3, Padding = 1)]
[ReLU]
[Conv2d("features.8", 256, 3, Padding = 1)]
[ReLU]
[Conv2d("features.10", 256, 3, Padding = 1)]
[ReLU]
[MaxPool2d(3, Stride = 2)]
[AdaptiveAvgPool2d("avgpool", 6)]
[Flatten]
[Dropout(0.5)]
[Linear("classifier.1", 4096)]
[ReLU]
[Dropout(0.5)]
[Linear("classifier.4", 4096)]
[ReLU]
[Linear("classifier.6", "classes")]
public sealed class AlexNetLayers
{
}

/// <summary>torchvision's AlexNet (Krizhevsky et al., 2012) for 3×224×224 images: 61,100,840 parameters.</summary>
[Network]
[Input(3, 224, 224)]
[Use<AlexNetLayers>("")]
public partial class AlexNet
{
}

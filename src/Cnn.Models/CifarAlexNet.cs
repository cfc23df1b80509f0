namespace Cnn.Models;

/// <summary>The AlexNet-like network of the CIFAR-10 tutorials, for 3×32×32 images: 2,997,642 parameters.</summary>
[Network]
[Input(3, 32, 32)]
[Conv2d("features.0", 64, 4, Padding = 1)]
[ReLU]
[MaxPool2d(3, Stride = 2)]
[Conv2d("features.3", 192, 4, Padding = 1)]
[ReLU]
[MaxPool2d(3, Stride = 2)]
[Conv2d("features.6", 384, 3, Padding = 1)]
[ReLU]
[Conv2d("features.8", 256, 3, Padding = 1)]
[ReLU]
[Conv2d("features.10", 256, 3, Padding = 1)]
[ReLU]
[MaxPool2d(3, Stride = 2)]
[Flatten]
[Dropout(0.5)]
[Linear("classifier.1", 512)]
[ReLU]
[Dropout(0.5)]
[Linear("classifier.4", 256)]
[ReLU]
[Linear("classifier.6", 10)]
public partial class CifarAlexNet
{
}

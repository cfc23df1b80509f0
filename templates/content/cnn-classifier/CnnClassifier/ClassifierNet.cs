using Cnn;

namespace CnnClassifier;

/// <summary>
/// The PyTorch MNIST tutorial network for 1×28×28 images and 10 classes. Change the attributes and
/// build: the generator checks every shape and prints the summary's parameter count, or stops with a
/// CNNxxxx error at the attribute to fix.
/// </summary>
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
public partial class ClassifierNet
{
}

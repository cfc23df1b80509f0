using Cnn;

namespace FineTuneSample.Networks;

/// <summary>
/// <see cref="BaseNet"/>'s body with a new head, "head", for Fashion-MNIST classes 5–9: loading a
/// <see cref="BaseNet"/> file non-strictly fills the body and reports the head as missing and the
/// old head, fc2, as unexpected.
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
[Linear("head", 5)]
[LogSoftmax]
public partial class HeadNet
{
}

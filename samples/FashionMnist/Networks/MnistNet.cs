using Cnn;

namespace FashionMnist.Networks;

/// <summary>The classic PyTorch MNIST tutorial network: two convolutions, two dense layers and log-softmax (trained with NLL, as in the tutorial), 421,642 parameters.</summary>
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

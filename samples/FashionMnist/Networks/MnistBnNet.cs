using Cnn;

namespace FashionMnist.Networks;

/// <summary>The tutorial network with batch norm after each convolution and after the hidden dense layer: 422,026 parameters.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2d("conv1", 32, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn1")]
[ReLU]
[MaxPool2d(2)]
[Conv2d("conv2", 64, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn2")]
[ReLU]
[MaxPool2d(2)]
[Flatten]
[Linear("fc1", 128, Bias = false)]
[BatchNorm1d("bn3")]
[ReLU]
[Linear("fc2", 10)]
public partial class MnistBnNet
{
}

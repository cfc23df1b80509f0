using Cnn;

namespace FashionMnist.Networks;

/// <summary>
/// The network behind <c>--preset best</c>: the tutorial network's size (so that an epoch stays
/// fast on two cores) with batch norm after each convolution and the hidden dense layer, and dropout.
/// </summary>
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
[Dropout(0.25)]
[Flatten]
[Linear("fc1", 128, Bias = false)]
[BatchNorm1d("bn3")]
[ReLU]
[Dropout(0.3)]
[Linear("fc2", 10)]
public partial class FashionNet
{
}

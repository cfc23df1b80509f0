using Cnn;

namespace FashionMnist.Networks;

/// <summary>
/// The network behind <c>--preset best</c>: the tutorial network's two convolution blocks with batch
/// norm, a third 64-channel convolution on the 7×7 maps (no pooling after it), and dropout before and
/// after the hidden dense layer: 459,434 parameters. The third convolution costs about a quarter more
/// time per epoch and gains about 0.3 points on the test set in five minutes on two cores.
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
[Conv2d("conv3", 64, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn3")]
[ReLU]
[Dropout(0.25)]
[Flatten]
[Linear("fc1", 128, Bias = false)]
[BatchNorm1d("bn4")]
[ReLU]
[Dropout(0.3)]
[Linear("fc2", 10)]
public partial class FashionNet
{
}

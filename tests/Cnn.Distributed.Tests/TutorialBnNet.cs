namespace Cnn.Distributed.Tests;

/// <summary>
/// The batch-norm variant of the tutorial network (the FashionMnist sample's MnistBnNet): BatchNorm2d after
/// each convolution and BatchNorm1d after the hidden dense layer.
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
[Flatten]
[Linear("fc1", 128, Bias = false)]
[BatchNorm1d("bn3")]
[ReLU]
[Linear("fc2", 10)]
[LogSoftmax]
public partial class TutorialBnNet
{
}

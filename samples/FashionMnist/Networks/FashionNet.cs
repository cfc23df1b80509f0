using Cnn;

namespace FashionMnist.Networks;

/// <summary>
/// The network behind <c>--preset best</c>: two VGG-style stages of two 3×3 convolutions with batch
/// norm (32 then 64 channels), dropout, and a batch-normed dense layer of 256.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2d("conv1", 32, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn1")]
[ReLU]
[Conv2d("conv2", 32, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn2")]
[ReLU]
[MaxPool2d(2)]
[Dropout(0.1)]
[Conv2d("conv3", 64, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn3")]
[ReLU]
[Conv2d("conv4", 64, 3, Padding = 1, Bias = false)]
[BatchNorm2d("bn4")]
[ReLU]
[MaxPool2d(2)]
[Dropout(0.2)]
[Flatten]
[Linear("fc1", 256, Bias = false)]
[BatchNorm1d("bn5")]
[ReLU]
[Dropout(0.3)]
[Linear("fc2", 10)]
public partial class FashionNet
{
}

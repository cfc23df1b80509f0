namespace Cnn.Models;

/// <summary>
/// The Keras cats-vs-dogs tutorial network for 3×128×128 images: three blocks of a valid 3×3
/// convolution, ReLU and 2×2 max pooling (32, 64, 128 filters), then Dense 512, dropout, Dense 256 and a
/// two-class softmax.
/// </summary>
[Network]
[Input(3, 128, 128)]
[Conv2d("conv1", 32, 3, PaddingMode = PaddingMode.Valid)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("conv2", 64, 3, PaddingMode = PaddingMode.Valid)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("conv3", 128, 3, PaddingMode = PaddingMode.Valid)]
[ReLU]
[MaxPool2d(2)]
[Flatten]
[Linear("dense1", 512)]
[ReLU]
[Dropout(0.5)]
[Linear("dense2", 256)]
[ReLU]
[Linear("dense3", 2)]
[Softmax]
public partial class CatsVsDogsNet
{
}

namespace Cnn.Models;

/// <summary>
/// The Keras Food-101 tutorial network for 3×200×200 images: conv 32 + pool; conv 32 + pool + dropout;
/// conv 64 + pool + dropout (3×3 valid convolutions, 2×2 pooling); Dense 128, dropout, and a 101-class softmax.
/// </summary>
[Network]
[Input(3, 200, 200)]
[Conv2d("conv1", 32, 3)]
[ReLU]
[MaxPool2d(2)]
[Conv2d("conv2", 32, 3)]
[ReLU]
[MaxPool2d(2)]
[Dropout(0.25)]
[Conv2d("conv3", 64, 3)]
[ReLU]
[MaxPool2d(2)]
[Dropout(0.25)]
[Flatten]
[Linear("dense1", 128)]
[ReLU]
[Dropout(0.25)]
[Linear("dense2", 101)]
[Softmax]
public partial class Food101Net
{
}

namespace Cnn.Models;

/// <summary>
/// The layers of the Keras cats-vs-dogs tutorial network with the class count as a parameter: three
/// blocks of a valid 3×3 convolution, ReLU and 2×2 max pooling (32, 64, 128 filters), then Dense 512,
/// dropout 0.5, Dense 256 and a softmax over the classes. The valid convolutions and the inferred
/// Dense input let it serve any input from 28×28 up.
/// </summary>
[Block("classes = 2")]
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
[Linear("dense3", "classes")]
[Softmax]
public sealed class CatsVsDogsLayers
{
}

/// <summary>The Keras cats-vs-dogs tutorial network for 3×128×128 images and two classes: 13,070,658 parameters.</summary>
[Network]
[Input(3, 128, 128)]
[Use<CatsVsDogsLayers>("")]
public partial class CatsVsDogsNet
{
}

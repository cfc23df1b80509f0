using Cnn;

namespace ImageFolderSample.Networks;

/// <summary>
/// The layers of <see cref="Cnn.Models.CatsVsDogsNet"/> (the Keras cats-vs-dogs tutorial network, with
/// its layer names) with the class count as a parameter, so that the same architecture serves any
/// number of classes and, through the valid convolutions and the inferred Dense input, any input size
/// from 28×28 up: three blocks of a 3×3 convolution, ReLU and 2×2 max pooling (32, 64, 128 filters),
/// then Dense 512, dropout 0.5, Dense 256 and a softmax over the classes.
/// </summary>
[Block("classes")]
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

namespace Cnn.Models;

/// <summary>
/// The layers of the PyTorch MNIST tutorial network (two 3×3 convolutions with padding 1, each
/// followed by 2×2 max pooling and ReLU, Dense 128 and log-softmax) with the class count as a
/// parameter. At 1×28×28 with 10 classes it is <c>samples/FashionMnist</c>'s <c>MnistNet</c>
/// parameter for parameter (that sample writes the layers out, as a first example to read).
/// </summary>
[Block("classes = 10")]
[Conv2d("conv1", 32, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Conv2d("conv2", 64, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Flatten]
[Linear("fc1", 128)]
[ReLU]
[Linear("fc2", "classes")]
[LogSoftmax]
public sealed class MnistTutorialLayers
{
}

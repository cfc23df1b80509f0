using Cnn;

namespace ImageFolderSample.Networks;

/// <summary>
/// The layers of the PyTorch MNIST tutorial network that <c>samples/FashionMnist</c> trains (two 3×3
/// convolutions with padding 1, each followed by 2×2 max pooling and ReLU, Dense 128 and log-softmax),
/// with the class count as a parameter. At 1×28×28 with 10 classes it is that sample's
/// <c>MnistNet</c> parameter for parameter, so the two samples can be compared on Fashion-MNIST.
/// </summary>
[Block("classes")]
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
public sealed class MnistLayers
{
}

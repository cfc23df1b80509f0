using Cnn;

namespace FineTuneSample.Networks;

/// <summary>The PyTorch MNIST tutorial network with a 5-class head, trained on Fashion-MNIST classes 0–4.</summary>
[Network]
[Input(1, 28, 28)]
[Conv2d("conv1", 32, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Conv2d("conv2", 64, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Flatten]
[Linear("fc1", 128)]
[ReLU]
[Linear("fc2", 5)]
[LogSoftmax]
public partial class BaseNet
{
    /// <summary>The layers that <see cref="HeadNet"/> shares: everything but the head.</summary>
    public static readonly string[] Body = ["conv1", "conv2", "fc1"];
}

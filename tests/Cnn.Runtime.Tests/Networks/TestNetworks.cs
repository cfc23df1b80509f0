using Cnn;

namespace Cnn.Runtime.Tests.Networks;

/// <summary>Small enough for finite differences, and touching every layer kind of the first slice.</summary>
[Network]
[Input(2, 7, 7)]
[Conv2d("conv1", 3, 3, Padding = 1)]
[Tanh]
[MaxPool2d(2)]
[Conv2d("conv2", 4, 2, Stride = 1)]
[Sigmoid]
[AvgPool2d("avg", 2, Stride = 1)]
[Flatten]
[Linear("fc1", 6)]
[ReLU]
[Dropout(0.3)]
[Linear("fc2", 3)]
public partial class GradientCheckNet
{
}

/// <summary>A flat-input network that ends in log-softmax, trained with NLL.</summary>
[Network]
[Input(4)]
[Linear("hidden", 8)]
[Tanh]
[Linear("out", 2)]
[LogSoftmax]
public partial class TinyMlp
{
}

/// <summary>The MNIST tutorial network at a smaller input, with dropout, for allocation and determinism tests.</summary>
[Network]
[Input(1, 12, 12)]
[Conv2d("conv1", 8, 3, PaddingMode = PaddingMode.Same)]
[MaxPool2d(2)]
[ReLU]
[Conv2d("conv2", 16, 3, Padding = 1)]
[MaxPool2d(2)]
[ReLU]
[Flatten]
[Dropout(0.25)]
[Linear("fc1", 32)]
[ReLU]
[Linear("fc2", 10)]
public partial class SmallConvNet
{
}

/// <summary>Ends in softmax, as Keras models do, so training uses cross-entropy over probabilities.</summary>
[Network]
[Input(1, 4, 4)]
[Flatten]
[Linear("fc", 3)]
[Softmax]
public partial class SoftmaxNet
{
}

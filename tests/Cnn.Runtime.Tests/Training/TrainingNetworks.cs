using Cnn;

namespace Cnn.Runtime.Tests.Training;

/// <summary>
/// A small convolutional network whose resumed runs match uninterrupted ones bit for bit; Tanh
/// rather than ReLU, because the backends' ReLU turns a NaN into 0 (PyTorch's keeps it), which
/// would hide a poisoned input from the divergence tests.
/// </summary>
[Network]
[Input(1, 4, 4)]
[Conv2d("conv", 4, 3, Padding = 1)]
[Tanh]
[Flatten]
[Linear("fc", 3)]
public partial class PatternNet
{
}

/// <summary><see cref="PatternNet"/> with dropout before its last layer, for resuming mid-run with the mask sequence intact.</summary>
[Network]
[Input(1, 4, 4)]
[Conv2d("conv", 4, 3, Padding = 1)]
[Tanh]
[Flatten]
[Dropout(0.3)]
[Linear("fc", 3)]
public partial class DropoutPatternNet
{
}

/// <summary><see cref="PatternNet"/> with batch norm after its convolution, for callbacks that handle running statistics.</summary>
[Network]
[Input(1, 4, 4)]
[Conv2d("conv", 4, 3, Padding = 1)]
[BatchNorm2d("bn")]
[Tanh]
[Flatten]
[Linear("fc", 3)]
public partial class BatchNormPatternNet
{
}

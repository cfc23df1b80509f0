namespace Cnn.Models;

/// <summary>
/// LeNet-5 (LeCun et al., 1998) for 28×28 images, as PyTorch tutorials and our benchmarks run it:
/// padding 2 on the first convolution, ReLU and average pooling; 61,706 parameters.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2d("conv1", 6, 5, Padding = 2)]
[ReLU]
[AvgPool2d(2)]
[Conv2d("conv2", 16, 5)]
[ReLU]
[AvgPool2d(2)]
[Flatten]
[Linear("fc1", 120)]
[ReLU]
[Linear("fc2", 84)]
[ReLU]
[Linear("fc3", 10)]
public partial class LeNet5
{
}

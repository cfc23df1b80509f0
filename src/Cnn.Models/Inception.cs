namespace Cnn.Models;

/// <summary>
/// GoogLeNet's Inception module as torchvision builds it: four branches concatenated along channels.
/// Like torchvision, the "5×5" branch uses a 3×3 convolution.
/// </summary>
[Block("ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "poolProj")]
[Concat]
[Branch]
[Use<BasicConv2d>("branch1", "ch1x1", 1)]
[Branch("branch2")]
[Use<BasicConv2d>("0", "ch3x3red", 1)]
[Use<BasicConv2d>("1", "ch3x3", 3, 1, 1)]
[Branch("branch3")]
[Use<BasicConv2d>("0", "ch5x5red", 1)]
[Use<BasicConv2d>("1", "ch5x5", 3, 1, 1)]
[Branch("branch4")]
[MaxPool2d(3, Stride = 1, Padding = 1, CeilMode = true)]
[Use<BasicConv2d>("1", "poolProj", 1)]
[EndConcat]
public sealed class Inception
{
}

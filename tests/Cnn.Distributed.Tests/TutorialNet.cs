using Cnn.Models;

namespace Cnn.Distributed.Tests;

/// <summary>The PyTorch MNIST tutorial network (the FashionMnist sample's MnistNet).</summary>
[Network]
[Input(1, 28, 28)]
[Use<MnistTutorialLayers>("")]
public partial class TutorialNet
{
}

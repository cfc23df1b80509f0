using Cnn.Models;

namespace Cnn.Distributed.Tests;

/// <summary>ResNet-18's layer stack (the zoo's) at 3×32×32, so that its backward runs in a second: shortcuts make its gradients final out of declaration order.</summary>
[Network]
[Input(3, 32, 32)]
[Use<ResNet18Layers>("", 10)]
public partial class SmallResNet18
{
}

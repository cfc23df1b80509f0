using Cnn.Backends;
using Cnn.Models;
using Cnn.Optimizers;
using FashionMnist.Networks;

namespace Cnn.Compare.Networks;

/// <summary>
/// One network of the comparison, with the optimizer torch_bench.py gives it. The loss is the one
/// that fits its last layer (<see cref="Losses.Loss.For"/>): NLL after LogSoftmax, cross-entropy on logits.
/// Create takes the <see cref="NetworkMode"/>: training for the training rows, inference for the
/// inference and latency rows, as a served model is built (samples/Serve), so that those run the
/// inference plan (convolution and pool fused, batch norm folded), as torch's eval() and ONNX
/// Runtime's graph optimisations do on their side.
/// </summary>
internal sealed record BenchNetwork(string Name, string Title, Func<int, IBackend, NetworkMode, INetwork> Create, Func<INetwork, Optimizer> CreateOptimizer);

/// <summary>The networks, under the names torch_bench.py uses.</summary>
internal static class BenchNetworks
{
    /// <summary>The three small networks: what runs without --nets.</summary>
    public static IReadOnlyList<BenchNetwork> Default { get; } =
    [
        new("mnist_cnn", "MNIST tutorial net", (batch, backend, mode) => new MnistNet(batch, backend, 0, mode), n => new Adam(n, learningRate: 1e-3f)),
        new("lenet5", "LeNet-5", (batch, backend, mode) => new LeNet5(batch, backend, 0, mode), n => new Sgd(n, learningRate: 0.01f, momentum: 0.9f)),
        new("alexnet_cifar", "CIFAR AlexNet-like", (batch, backend, mode) => new CifarAlexNet(batch, backend, 0, mode), n => new Sgd(n, learningRate: 0.008f)),
    ];

    /// <summary>
    /// The small networks and ResNet-18 at 3×224×224 (torchvision's resnet18, SGD with momentum), which
    /// runs only when named, with its own batch sizes and step counts (run.sh passes them).
    /// </summary>
    public static IReadOnlyList<BenchNetwork> All { get; } =
    [
        .. Default,
        new("fashion_net", "Fashion-MNIST preset net", (batch, backend, mode) => new FashionNet(batch, backend, 0, mode), n => new AdamW(n, learningRate: 0.004f, weightDecay: 5e-4f)),
        new("resnet18", "ResNet-18", (batch, backend, mode) => new ResNet18(batch, backend, 0, mode), n => new Sgd(n, learningRate: 0.01f, momentum: 0.9f)),
    ];

    public static BenchNetwork Find(string name) =>
        All.FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"Unknown network '{name}'; the comparison knows {string.Join(", ", All.Select(n => n.Name))}.");
}

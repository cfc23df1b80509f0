namespace Cnn.Compare;

/// <summary>
/// One row of the comparison: a quantity measured on the Cnn side and on PyTorch's, ONNX Runtime's
/// or both, with the ratio Cnn/other it must reach against each (null: no target, the ratio is shown alone).
/// </summary>
/// <param name="Net">The network's name in the JSON lines, or null for a row without one (SGEMM).</param>
/// <param name="CnnMetric">The metric of the Cnn side's records, and of ONNX Runtime's.</param>
/// <param name="TorchMetric">The metric of the PyTorch side's records (numpy's for SGEMM).</param>
/// <param name="VsTorch">The target of Cnn/PyTorch, or null for none.</param>
/// <param name="VsOrt">The target of Cnn/ONNX Runtime, or null for none (or no ONNX Runtime figure: training, SGEMM, memory).</param>
/// <param name="HigherIsBetter">Throughputs: the ratio must reach the target; times and memory: stay under it.</param>
internal sealed record Target(string Group, string? Net, string Label, string Unit, string CnnMetric, string TorchMetric,
                              double? VsTorch, double? VsOrt, bool HigherIsBetter)
{
    /// <summary>Issue 16's targets.</summary>
    public static IReadOnlyList<Target> All { get; } =
    [
        .. Network("MNIST tutorial net", "mnist_cnn", trainBatch: 64, inferBatch: 256, train: 2.0, latency: 0.2),
        .. Network("LeNet-5", "lenet5", trainBatch: 64, inferBatch: 256, train: 2.0, latency: 0.1),
        .. Network("CIFAR AlexNet-like", "alexnet_cifar", trainBatch: 64, inferBatch: 256, train: 1.2, latency: 0.5),
        .. Network("ResNet-18 224×224", "resnet18", trainBatch: 32, inferBatch: 32, train: 1.2, latency: null),
        new("SGEMM 2048×2048", null, "vs numpy.dot (OpenBLAS)", "GFLOP/s", "cnn_sgemm_gflops", "numpy_dot_gflops", 1.0, null, true),
        new("Peak RSS", "mnist_cnn", "Fashion-MNIST training run", "MiB", "train_peak_rss_mib", "train_peak_rss_mib", 1.0, null, false),
    ];

    /// <summary>
    /// A network's three rows: training (against PyTorch), inference (≥ 1.5× PyTorch, ≥ 1.0× ONNX
    /// Runtime) and batch-1 latency (≤ <paramref name="latency"/>× PyTorch, ≤ 1.0× ONNX Runtime).
    /// </summary>
    private static Target[] Network(string title, string net, int trainBatch, int inferBatch, double train, double? latency) =>
    [
        new(title, net, $"train bs {trainBatch}", "img/s", "train_img_per_s", "train_img_per_s", train, null, true),
        new(title, net, $"inference bs {inferBatch}", "img/s", "infer_img_per_s", "infer_img_per_s", 1.5, 1.0, true),
        new(title, net, "latency bs 1", "µs", "latency_bs1_us", "latency_bs1_us", latency, 1.0, false),
    ];

    public string Comparison => HigherIsBetter ? "≥" : "≤";
}

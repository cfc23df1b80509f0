namespace Cnn.Compare;

/// <summary>One cell of the comparison: a quantity measured on both sides and the ratio Cnn/PyTorch it must reach.</summary>
/// <param name="Net">The network's name in the JSON lines, or null for a cell without one (SGEMM).</param>
/// <param name="CnnMetric">The metric of the Cnn side's records.</param>
/// <param name="TorchMetric">The metric of the PyTorch side's records (numpy's for SGEMM).</param>
/// <param name="HigherIsBetter">Throughputs: the ratio must reach the target; times and memory: stay under it.</param>
internal sealed record Target(string Group, string? Net, string Label, string Unit, string CnnMetric, string TorchMetric, double Ratio, bool HigherIsBetter)
{
    /// <summary>Issue 5's targets.</summary>
    public static IReadOnlyList<Target> All { get; } =
    [
        .. Network("MNIST tutorial net", "mnist_cnn", 2.0, 1.5, 0.2),
        .. Network("LeNet-5", "lenet5", 2.0, 1.5, 0.1),
        .. Network("CIFAR AlexNet-like", "alexnet_cifar", 1.2, 1.3, 0.5),
        new("SGEMM 2048×2048", null, "vs numpy.dot (OpenBLAS)", "GFLOP/s", "cnn_sgemm_gflops", "numpy_dot_gflops", 0.9, true),
        new("Peak RSS", "mnist_cnn", "Fashion-MNIST training run", "MiB", "train_peak_rss_mib", "train_peak_rss_mib", 1.0, false),
    ];

    private static Target[] Network(string title, string net, double train, double infer, double latency) =>
    [
        new(title, net, "train bs 64", "img/s", "train_img_per_s", "train_img_per_s", train, true),
        new(title, net, "inference bs 256", "img/s", "infer_img_per_s", "infer_img_per_s", infer, true),
        new(title, net, "latency bs 1", "µs", "latency_bs1_us", "latency_bs1_us", latency, false),
    ];

    public string Comparison => HigherIsBetter ? "≥" : "≤";

    public bool Passes(double ratio) => HigherIsBetter ? ratio >= Ratio : ratio <= Ratio;

    /// <summary>How many times better than PyTorch, whichever way the quantity points: what the chart draws.</summary>
    public double Advantage(double ratio) => HigherIsBetter ? ratio : 1 / ratio;

    public double TargetAdvantage => HigherIsBetter ? Ratio : 1 / Ratio;
}

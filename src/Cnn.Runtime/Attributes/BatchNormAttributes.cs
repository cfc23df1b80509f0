namespace Cnn;

/// <summary>
/// Batch normalisation over the channels of an image tensor, like PyTorch's <c>nn.BatchNorm2d</c>:
/// weight and bias per channel, and running mean and variance saved with the model. Training mode
/// uses batch statistics and updates the running ones; evaluation mode uses the running ones.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm2dAttribute : LayerAttribute
{
    public BatchNorm2dAttribute(string name) : base(name) { }

    public double Eps { get; set; } = 1e-5;
    public double Momentum { get; set; } = 0.1;
}

/// <summary>Batch normalisation over the features of a flat tensor (e.g. after <c>Linear</c>), like PyTorch's <c>nn.BatchNorm1d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm1dAttribute : LayerAttribute
{
    public BatchNorm1dAttribute(string name) : base(name) { }

    public double Eps { get; set; } = 1e-5;
    public double Momentum { get; set; } = 0.1;
}

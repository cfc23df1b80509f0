namespace Cnn;

/// <summary>
/// Batch normalisation over the channels of an image tensor, like PyTorch's <c>nn.BatchNorm2d</c>:
/// weight and bias per channel, and running mean and variance saved with the model. Training mode
/// uses batch statistics and updates the running ones; evaluation mode uses the running ones.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm2dAttribute : LayerAttribute
{
    /// <summary>A batch-norm layer whose parameters are saved as <c>name.weight</c>, <c>name.bias</c>, <c>name.running_mean</c> and <c>name.running_var</c>.</summary>
    public BatchNorm2dAttribute(string name) : base(name) { }

    /// <summary>Added to the variance before its square root, for numerical stability; PyTorch's <c>eps</c>, 1e-5 by default.</summary>
    public double Eps { get; set; } = 1e-5;

    /// <summary>
    /// The weight of the batch statistic when updating the running ones (running = (1 − m)·running + m·batch),
    /// PyTorch's <c>momentum</c>; 0.1 by default, 0 keeps the running statistics fixed.
    /// </summary>
    public double Momentum { get; set; } = 0.1;
}

/// <summary>Batch normalisation over the features of a flat tensor (e.g. after <c>Linear</c>), like PyTorch's <c>nn.BatchNorm1d</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNorm1dAttribute : LayerAttribute
{
    /// <summary>A batch-norm layer whose parameters are saved as <c>name.weight</c>, <c>name.bias</c>, <c>name.running_mean</c> and <c>name.running_var</c>.</summary>
    public BatchNorm1dAttribute(string name) : base(name) { }

    /// <summary>Added to the variance before its square root, for numerical stability; PyTorch's <c>eps</c>, 1e-5 by default.</summary>
    public double Eps { get; set; } = 1e-5;

    /// <summary>
    /// The weight of the batch statistic when updating the running ones (running = (1 − m)·running + m·batch),
    /// PyTorch's <c>momentum</c>; 0.1 by default, 0 keeps the running statistics fixed.
    /// </summary>
    public double Momentum { get; set; } = 0.1;
}

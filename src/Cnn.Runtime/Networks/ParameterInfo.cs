namespace Cnn;

/// <summary>What a named tensor is: a weight (subject to L1/L2 penalties), a bias, or a running statistic (a buffer, not trained).</summary>
public enum ParameterRole
{
    /// <summary>A Conv or Linear weight, or batch norm's scale (γ).</summary>
    Weight,
    /// <summary>A bias, or batch norm's shift (β); never penalised.</summary>
    Bias,
    /// <summary>Batch norm's running mean (PyTorch's <c>running_mean</c> buffer).</summary>
    RunningMean,
    /// <summary>Batch norm's running unbiased variance (PyTorch's <c>running_var</c> buffer).</summary>
    RunningVariance,
    /// <summary>Batch norm's count of training batches (PyTorch's int64 <c>num_batches_tracked</c>), kept as one float.</summary>
    BatchesTracked,
}

/// <summary>How <see cref="INetwork.Initialize"/> fills a parameter, following PyTorch's defaults per layer type.</summary>
public enum ParameterInit
{
    /// <summary>U(-1/√fan_in, 1/√fan_in): PyTorch's kaiming_uniform_(a=√5) for Conv and Linear weights, and their bias rule.</summary>
    UniformFanIn,
    /// <summary>All 0: batch norm's bias, running mean and batch count.</summary>
    Zeros,
    /// <summary>All 1: batch norm's scale and running variance.</summary>
    Ones,
}

/// <summary>
/// One named tensor of a network: its PyTorch state_dict name (e.g. "conv1.weight"), its shape, and
/// where it lives: for parameters, in the contiguous parameter and gradient buffers; for buffers
/// (running statistics), in <see cref="INetwork.Buffers"/>.
/// </summary>
public sealed record ParameterInfo(string Name, string Layer, ParameterRole Role, int[] Shape, long Offset, int Length, ParameterInit Init, int FanIn);

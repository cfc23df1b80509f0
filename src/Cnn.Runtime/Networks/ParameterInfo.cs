namespace Cnn;

/// <summary>What a named tensor is: a weight (subject to L1/L2 penalties), a bias, or a running statistic (a buffer, not trained).</summary>
public enum ParameterRole
{
    Weight,
    Bias,
    RunningMean,
    RunningVariance,
    /// <summary>Batch norm's count of training batches (PyTorch's int64 <c>num_batches_tracked</c>), kept as one float.</summary>
    BatchesTracked,
}

/// <summary>How <see cref="INetwork.Initialize"/> fills a parameter, following PyTorch's defaults per layer type.</summary>
public enum ParameterInit
{
    /// <summary>U(-1/√fan_in, 1/√fan_in): PyTorch's kaiming_uniform_(a=√5) for Conv and Linear weights, and their bias rule.</summary>
    UniformFanIn,
    Zeros,
    Ones,
}

/// <summary>
/// One named tensor of a network: its PyTorch state_dict name (e.g. "conv1.weight"), its shape, and
/// where it lives: for parameters, in the contiguous parameter and gradient buffers; for buffers
/// (running statistics), in <see cref="INetwork.Buffers"/>.
/// </summary>
public sealed record ParameterInfo(string Name, string Layer, ParameterRole Role, int[] Shape, long Offset, int Length, ParameterInit Init, int FanIn);

namespace Cnn;

/// <summary>Whether a parameter is a weight (subject to L1/L2 penalties) or a bias.</summary>
public enum ParameterRole
{
    Weight,
    Bias,
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
/// One named parameter tensor of a network: its PyTorch state_dict name (e.g. "conv1.weight"), its
/// shape, and where it lives in the network's contiguous parameter and gradient buffers.
/// </summary>
public sealed record ParameterInfo(string Name, string Layer, ParameterRole Role, int[] Shape, long Offset, int Length, ParameterInit Init, int FanIn);

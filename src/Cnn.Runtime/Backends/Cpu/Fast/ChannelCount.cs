namespace Cnn.Backends.Cpu.Fast;

/// <summary>
/// A count of output channels as a type, so that a kernel generic over it (<see cref="DirectConvolution"/>,
/// <see cref="PooledDirectConvolution"/>) is compiled once per count, its per-channel loops unrolled and
/// its accumulators kept in registers.
/// </summary>
internal interface IChannelCount
{
    /// <summary>The count.</summary>
    static abstract int Value { get; }
}

/// <summary>One channel.</summary>
internal readonly struct One : IChannelCount { public static int Value => 1; }

/// <summary>Two channels.</summary>
internal readonly struct Two : IChannelCount { public static int Value => 2; }

/// <summary>Three channels.</summary>
internal readonly struct Three : IChannelCount { public static int Value => 3; }

/// <summary>Four channels.</summary>
internal readonly struct Four : IChannelCount { public static int Value => 4; }

/// <summary>Five channels.</summary>
internal readonly struct Five : IChannelCount { public static int Value => 5; }

/// <summary>Six channels.</summary>
internal readonly struct Six : IChannelCount { public static int Value => 6; }
